# Writes Praat's pitch track of one sound as "time_s<TAB>f0_hz" lines (0 = unvoiced), the oracle of
# Hmm.Tests/Audio/PitchTrackerTests.cs. Usage: praat --run tools/praat-pitch.praat IN.wav OUT.tsv
# (Praat resolves relative paths against this script's folder: give absolute ones.)
# To Pitch (ac) with Praat's defaults for speech: 10 ms step, 75..600 Hz.
form Pitch table
  sentence In
  sentence Out
endform
sound = Read from file: in$
pitch = To Pitch: 0.01, 75, 600
n = Get number of frames
deleteFile: out$
for i to n
  t = Get time from frame number: i
  f = Get value in frame: i, "Hertz"
  if f = undefined
    f = 0
  endif
  appendFileLine: out$, fixed$(t, 6), tab$, fixed$(f, 3)
endfor
