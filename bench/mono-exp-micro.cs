// MathF.Exp against a managed scalar Cephes exp under Mono (BENCHMARKS.md, the Mono section): mcs -unsafe -optimize+
// -r:/usr/lib/mono/4.5/Facades/netstandard.dll mono-exp-micro.cs && taskset -c 1 mono mono-exp-micro.exe
using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
static class E {
  [MethodImpl(MethodImplOptions.AggressiveInlining)]
  static float CephesExp(float x) {
    if (x < -87f) return x == x ? 0f : x; // NaN stays
    if (x > 88.72283f) return float.PositiveInfinity;
    float fx = x * 1.44269504088896341f + 0.5f;
    int fi = (int)fx; if (fi > fx) fi--;
    float n = fi;
    float r = x - n * 0.693359375f - n * -2.12194440e-4f;
    float p = 1.9875691500E-4f;
    p = p * r + 1.3981999507E-3f; p = p * r + 8.3334519073E-3f; p = p * r + 4.1665795894E-2f; p = p * r + 1.6666665459E-1f; p = p * r + 5.0000001201E-1f;
    p = p * (r * r) + r + 1f;
    int bits = (fi + 126) << 23;
    return p * BitConverter.Int32BitsToSingle(bits) * 2f;
  }
  static unsafe float CephesExp2(float x) {
    if (x < -87f) return x == x ? 0f : x;
    if (x > 88.72283f) return float.PositiveInfinity;
    float fx = x * 1.44269504088896341f + 0.5f;
    int fi = (int)fx; if (fi > fx) fi--;
    float n = fi;
    float r = x - n * 0.693359375f - n * -2.12194440e-4f;
    float p = 1.9875691500E-4f;
    p = p * r + 1.3981999507E-3f; p = p * r + 8.3334519073E-3f; p = p * r + 4.1665795894E-2f; p = p * r + 1.6666665459E-1f; p = p * r + 5.0000001201E-1f;
    p = p * (r * r) + r + 1f;
    int bits = (fi + 126) << 23;
    return p * *(float*)&bits * 2f;
  }
  static void Main() {
    var xs = new float[2048]; var rnd = new Random(1);
    for (int i = 0; i < xs.Length; i++) xs[i] = (float)(rnd.NextDouble() * -30);
    for (int rep = 0; rep < 3; rep++) {
      float s = 0; var sw = Stopwatch.StartNew();
      for (int k = 0; k < 500; k++) for (int i = 0; i < xs.Length; i++) s += MathF.Exp(xs[i]);
      Console.WriteLine($"MathF.Exp {sw.Elapsed.TotalMilliseconds * 1e6 / (500 * 2048.0):F2} ns {s}");
      s = 0; sw.Restart();
      for (int k = 0; k < 500; k++) for (int i = 0; i < xs.Length; i++) s += CephesExp(xs[i]);
      Console.WriteLine($"Cephes    {sw.Elapsed.TotalMilliseconds * 1e6 / (500 * 2048.0):F2} ns {s}");
      s = 0; sw.Restart();
      for (int k = 0; k < 500; k++) for (int i = 0; i < xs.Length; i++) s += CephesExp2(xs[i]);
      Console.WriteLine($"Cephes2   {sw.Elapsed.TotalMilliseconds * 1e6 / (500 * 2048.0):F2} ns {s}");
    }
  }
}
