#!/usr/bin/env bash
# make-phone-bigram.sh: rebuilds Hmm.Speech/Data/phone-bigram.txt, PhoneBigram.Default: the phone bigram of the built-in
# dictionary over the default phone set (PhoneBigram.FromLexicon with its default pause probability and floor), stored
# so that a game does not read the 135,000-word dictionary at start-up. Run from the repository root.
set -euo pipefail
dotnet run -c Release --project Hmm.Benchmarks -- phone-bigram Hmm.Speech/Data/phone-bigram.txt
