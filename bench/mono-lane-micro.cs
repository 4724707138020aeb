// Micro-benchmark behind BENCHMARKS.md "Where Unity runs it: Mono and the scalar path": one GMM row (1,648 columns x 78
// weights, four accumulators) through lane shapes, to see what Mono's JIT charges per lane call. Standalone (not in any
// project), compiled by Mono's own compiler:
//   cp ~/.nuget/packages/system.runtime.compilerservices.unsafe/6.1.2/lib/netstandard2.0/System.Runtime.CompilerServices.Unsafe.dll .
//   mcs -langversion:7.2 -unsafe -optimize+ -r:System.Numerics.dll -r:System.Numerics.Vectors.dll \
//       -r:/usr/lib/mono/4.5/Facades/netstandard.dll -r:System.Runtime.CompilerServices.Unsafe.dll mono-lane-micro.cs
//   taskset -c 1 mono mono-lane-micro.exe
// Names: LaneScalar = today's definitions' loop; LaneNoLoad = weight read outside the lane; LaneRefAccLd = in-place
// MultiplyAddTo on floats; Quad(ctor)/Quad(fields) = value-returning 4-float struct lanes; QuadRefS = LaneQuad's in-place form.
using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

interface ILane<TV> where TV : struct {
  int Count { get; }
  TV Broadcast(float v);
  TV Load(ref float s);
  void Store(TV v, ref float d);
  TV MultiplyAdd(TV a, TV b, TV c);
}
unsafe struct Mem { public float* B; public Mem(float* b){B=b;} public ref float this[int i] { [MethodImpl(MethodImplOptions.AggressiveInlining)] get { return ref B[i]; } } }

struct LS : ILane<float> {
  public int Count => 1;
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Broadcast(float v) => v;
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Load(ref float s) => s;
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(float v, ref float d) { d = v; }
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public float MultiplyAdd(float a, float b, float c) => a*b+c;
}
struct F4 { public float X,Y,Z,W; [MethodImpl(MethodImplOptions.AggressiveInlining)] public F4(float x,float y,float z,float w){X=x;Y=y;Z=z;W=w;} }
struct LQ : ILane<F4> {
  public int Count => 4;
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public F4 Broadcast(float v) => new F4(v,v,v,v);
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public F4 Load(ref float s) => new F4(s, Unsafe.Add(ref s,1), Unsafe.Add(ref s,2), Unsafe.Add(ref s,3));
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(F4 v, ref float d) { d=v.X; Unsafe.Add(ref d,1)=v.Y; Unsafe.Add(ref d,2)=v.Z; Unsafe.Add(ref d,3)=v.W; }
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public F4 MultiplyAdd(F4 a, F4 b, F4 c) => new F4(a.X*b.X+c.X, a.Y*b.Y+c.Y, a.Z*b.Z+c.Z, a.W*b.W+c.W);
}
// Quad with in-place style: result built via local then returned
struct LQ2 : ILane<F4> {
  public int Count => 4;
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public F4 Broadcast(float v) { F4 r; r.X=v; r.Y=v; r.Z=v; r.W=v; return r; }
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public unsafe F4 Load(ref float s) => Unsafe.ReadUnaligned<F4>(ref Unsafe.As<float, byte>(ref s));
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public unsafe void Store(F4 v, ref float d) { Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref d), v); }
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public F4 MultiplyAdd(F4 a, F4 b, F4 c) { F4 r; r.X=a.X*b.X+c.X; r.Y=a.Y*b.Y+c.Y; r.Z=a.Z*b.Z+c.Z; r.W=a.W*b.W+c.W; return r; }
}
struct LV4 : ILane<Vector4> {
  public int Count => 4;
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector4 Broadcast(float v) => new Vector4(v);
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector4 Load(ref float s) => Unsafe.ReadUnaligned<Vector4>(ref Unsafe.As<float, byte>(ref s));
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(Vector4 v, ref float d) { Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref d), v); }
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector4 MultiplyAdd(Vector4 a, Vector4 b, Vector4 c) => a*b+c;
}
struct LVT : ILane<Vector<float>> {
  public int Count => Vector<float>.Count;
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> Broadcast(float v) => new Vector<float>(v);
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> Load(ref float s) => Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref s));
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(Vector<float> v, ref float d) { Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref d), v); }
  [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector<float> MultiplyAdd(Vector<float> a, Vector<float> b, Vector<float> c) => a*b+c;
}

static unsafe class P {
  const int Width = 78, Columns = 1648;
  [MethodImpl(MethodImplOptions.AggressiveInlining)]
  static void Block1x4<TL,TV>(Mem features, int width, Mem weights, Mem bias, int columns, int c0, Mem output) where TL:struct,ILane<TV> where TV:struct {
    var l = default(TL);
    int n = l.Count, c1 = c0+n, c2=c1+n, c3=c2+n;
    TV a0=l.Load(ref bias[c0]), a1=l.Load(ref bias[c1]), a2=l.Load(ref bias[c2]), a3=l.Load(ref bias[c3]);
    int w=c0, n2=2*n, n3=3*n;
    for (int e=0;e<width;e++, w+=columns) {
      TV f = l.Broadcast(features[e]);
      a0 = l.MultiplyAdd(f, l.Load(ref weights[w]), a0);
      a1 = l.MultiplyAdd(f, l.Load(ref weights[w+n]), a1);
      a2 = l.MultiplyAdd(f, l.Load(ref weights[w+n2]), a2);
      a3 = l.MultiplyAdd(f, l.Load(ref weights[w+n3]), a3);
    }
    l.Store(a0, ref output[c0]); l.Store(a1, ref output[c1]); l.Store(a2, ref output[c2]); l.Store(a3, ref output[c3]);
  }
  static void Row<TL,TV>(float* f, float* w, float* b, float* o) where TL:struct,ILane<TV> where TV:struct {
    int n = default(TL).Count;
    for (int c=0; c + 4*n <= Columns; c += 4*n) Block1x4<TL,TV>(new Mem(f), Width, new Mem(w), new Mem(b), Columns, c, new Mem(o));
  }
  static void Plain(float* f, float* w, float* b, float* o) {
    for (int c=0; c + 4 <= Columns; c += 4) {
      float a0=b[c],a1=b[c+1],a2=b[c+2],a3=b[c+3]; int wi=c;
      for (int e=0;e<Width;e++, wi+=Columns){ float x=f[e]; a0+=x*w[wi]; a1+=x*w[wi+1]; a2+=x*w[wi+2]; a3+=x*w[wi+3]; }
      o[c]=a0;o[c+1]=a1;o[c+2]=a2;o[c+3]=a3;
    }
  }

  static void PlainMem(float* fp, float* wp, float* bp, float* op) {
    var f=new Mem(fp); var w=new Mem(wp); var b=new Mem(bp); var o=new Mem(op);
    for (int c=0; c + 4 <= Columns; c += 4) {
      float a0=b[c],a1=b[c+1],a2=b[c+2],a3=b[c+3]; int wi=c;
      for (int e=0;e<Width;e++, wi+=Columns){ float x=f[e]; a0+=x*w[wi]; a1+=x*w[wi+1]; a2+=x*w[wi+2]; a3+=x*w[wi+3]; }
      o[c]=a0;o[c+1]=a1;o[c+2]=a2;o[c+3]=a3;
    }
  }
  static void LanePtr<TL>(float* f, float* w, float* b, float* o) where TL:struct,ILane<float> {
    var l=default(TL);
    for (int c=0; c + 4 <= Columns; c += 4) {
      float a0=l.Load(ref b[c]),a1=l.Load(ref b[c+1]),a2=l.Load(ref b[c+2]),a3=l.Load(ref b[c+3]); int wi=c;
      for (int e=0;e<Width;e++, wi+=Columns){ float x=l.Broadcast(f[e]); a0=l.MultiplyAdd(x,l.Load(ref w[wi]),a0); a1=l.MultiplyAdd(x,l.Load(ref w[wi+1]),a1); a2=l.MultiplyAdd(x,l.Load(ref w[wi+2]),a2); a3=l.MultiplyAdd(x,l.Load(ref w[wi+3]),a3); }
      o[c]=a0;o[c+1]=a1;o[c+2]=a2;o[c+3]=a3;
    }
  }
  static void LaneNoLoad<TL>(float* f, float* w, float* b, float* o) where TL:struct,ILane<float> {
    var l=default(TL);
    for (int c=0; c + 4 <= Columns; c += 4) {
      float a0=b[c],a1=b[c+1],a2=b[c+2],a3=b[c+3]; int wi=c;
      for (int e=0;e<Width;e++, wi+=Columns){ float x=f[e]; a0=l.MultiplyAdd(x,w[wi],a0); a1=l.MultiplyAdd(x,w[wi+1],a1); a2=l.MultiplyAdd(x,w[wi+2],a2); a3=l.MultiplyAdd(x,w[wi+3],a3); }
      o[c]=a0;o[c+1]=a1;o[c+2]=a2;o[c+3]=a3;
    }
  }

  struct LSin { [MethodImpl(MethodImplOptions.AggressiveInlining)] public float MultiplyAdd(in float a, in float b, in float c) => a*b+c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void MulAddTo(ref float acc, float a, float b) { acc = a*b+acc; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float Load(ref float s) => s; }
  static void LaneIn(float* f, float* w, float* b, float* o) {
    var l=default(LSin);
    for (int c=0; c + 4 <= Columns; c += 4) {
      float a0=b[c],a1=b[c+1],a2=b[c+2],a3=b[c+3]; int wi=c;
      for (int e=0;e<Width;e++, wi+=Columns){ float x=f[e]; a0=l.MultiplyAdd(x,w[wi],a0); a1=l.MultiplyAdd(x,w[wi+1],a1); a2=l.MultiplyAdd(x,w[wi+2],a2); a3=l.MultiplyAdd(x,w[wi+3],a3); }
      o[c]=a0;o[c+1]=a1;o[c+2]=a2;o[c+3]=a3;
    }
  }
  static void LaneRefAcc(float* f, float* w, float* b, float* o) {
    var l=default(LSin);
    for (int c=0; c + 4 <= Columns; c += 4) {
      float a0=b[c],a1=b[c+1],a2=b[c+2],a3=b[c+3]; int wi=c;
      for (int e=0;e<Width;e++, wi+=Columns){ float x=f[e]; l.MulAddTo(ref a0,x,l.Load(ref w[wi])); l.MulAddTo(ref a1,x,l.Load(ref w[wi+1])); l.MulAddTo(ref a2,x,l.Load(ref w[wi+2])); l.MulAddTo(ref a3,x,l.Load(ref w[wi+3])); }
      o[c]=a0;o[c+1]=a1;o[c+2]=a2;o[c+3]=a3;
    }
  }
  static void LaneDefault<TL>(float* f, float* w, float* b, float* o) where TL:struct,ILane<float> {
    for (int c=0; c + 4 <= Columns; c += 4) {
      float a0=b[c],a1=b[c+1],a2=b[c+2],a3=b[c+3]; int wi=c;
      for (int e=0;e<Width;e++, wi+=Columns){ float x=f[e]; a0=default(TL).MultiplyAdd(x,w[wi],a0); a1=default(TL).MultiplyAdd(x,w[wi+1],a1); a2=default(TL).MultiplyAdd(x,w[wi+2],a2); a3=default(TL).MultiplyAdd(x,w[wi+3],a3); }
      o[c]=a0;o[c+1]=a1;o[c+2]=a2;o[c+3]=a3;
    }
  }
  static void LaneDirect(float* f, float* w, float* b, float* o) {
    var l=default(LS);
    for (int c=0; c + 4 <= Columns; c += 4) {
      float a0=b[c],a1=b[c+1],a2=b[c+2],a3=b[c+3]; int wi=c;
      for (int e=0;e<Width;e++, wi+=Columns){ float x=f[e]; a0=l.MultiplyAdd(x,w[wi],a0); a1=l.MultiplyAdd(x,w[wi+1],a1); a2=l.MultiplyAdd(x,w[wi+2],a2); a3=l.MultiplyAdd(x,w[wi+3],a3); }
      o[c]=a0;o[c+1]=a1;o[c+2]=a2;o[c+3]=a3;
    }
  }

  struct LSR { [MethodImpl(MethodImplOptions.AggressiveInlining)] public void MulAddTo(ref float acc, float a, ref float w) { acc = a*w+acc; } }
  static void LaneRefAccLoad(float* f, float* w, float* b, float* o) {
    var l=default(LSR);
    for (int c=0; c + 4 <= Columns; c += 4) {
      float a0=b[c],a1=b[c+1],a2=b[c+2],a3=b[c+3]; int wi=c;
      for (int e=0;e<Width;e++, wi+=Columns){ float x=f[e]; l.MulAddTo(ref a0,x,ref w[wi]); l.MulAddTo(ref a1,x,ref w[wi+1]); l.MulAddTo(ref a2,x,ref w[wi+2]); l.MulAddTo(ref a3,x,ref w[wi+3]); }
      o[c]=a0;o[c+1]=a1;o[c+2]=a2;o[c+3]=a3;
    }
  }
  struct LQR {
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public F4 Load(ref float s) => new F4(s, Unsafe.Add(ref s,1), Unsafe.Add(ref s,2), Unsafe.Add(ref s,3));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public F4 Broadcast(float v) => new F4(v,v,v,v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void MulAddTo(ref F4 acc, F4 a, F4 b) { acc.X += a.X*b.X; acc.Y += a.Y*b.Y; acc.Z += a.Z*b.Z; acc.W += a.W*b.W; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void MulAddToL(ref F4 acc, F4 a, ref float w) { acc.X += a.X*w; acc.Y += a.Y*Unsafe.Add(ref w,1); acc.Z += a.Z*Unsafe.Add(ref w,2); acc.W += a.W*Unsafe.Add(ref w,3); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void MulAddToS(ref F4 acc, float a, ref float w) { acc.X += a*w; acc.Y += a*Unsafe.Add(ref w,1); acc.Z += a*Unsafe.Add(ref w,2); acc.W += a*Unsafe.Add(ref w,3); }
  }
  static void QuadRef(float* f, float* w, float* b, float* o, int mode) {
    var l=default(LQR);
    for (int c=0; c + 16 <= Columns; c += 16) {
      F4 a0=l.Load(ref b[c]),a1=l.Load(ref b[c+4]),a2=l.Load(ref b[c+8]),a3=l.Load(ref b[c+12]); int wi=c;
      if (mode==0) for (int e=0;e<Width;e++, wi+=Columns){ F4 x=l.Broadcast(f[e]); l.MulAddTo(ref a0,x,l.Load(ref w[wi])); l.MulAddTo(ref a1,x,l.Load(ref w[wi+4])); l.MulAddTo(ref a2,x,l.Load(ref w[wi+8])); l.MulAddTo(ref a3,x,l.Load(ref w[wi+12])); }
      else if (mode==1) for (int e=0;e<Width;e++, wi+=Columns){ F4 x=l.Broadcast(f[e]); l.MulAddToL(ref a0,x,ref w[wi]); l.MulAddToL(ref a1,x,ref w[wi+4]); l.MulAddToL(ref a2,x,ref w[wi+8]); l.MulAddToL(ref a3,x,ref w[wi+12]); }
      else for (int e=0;e<Width;e++, wi+=Columns){ float x=f[e]; l.MulAddToS(ref a0,x,ref w[wi]); l.MulAddToS(ref a1,x,ref w[wi+4]); l.MulAddToS(ref a2,x,ref w[wi+8]); l.MulAddToS(ref a3,x,ref w[wi+12]); }
      o[c]=a0.X;o[c+1]=a0.Y;o[c+2]=a0.Z;o[c+3]=a0.W; o[c+4]=a1.X;o[c+5]=a1.Y;o[c+6]=a1.Z;o[c+7]=a1.W;
      o[c+8]=a2.X;o[c+9]=a2.Y;o[c+10]=a2.Z;o[c+11]=a2.W; o[c+12]=a3.X;o[c+13]=a3.Y;o[c+14]=a3.Z;o[c+15]=a3.W;
    }
  }
  static void Main() {
    Console.WriteLine($"Vector<float>.Count={Vector<float>.Count} accel={Vector.IsHardwareAccelerated}");
    float* f = (float*)System.Runtime.InteropServices.Marshal.AllocHGlobal(4*Width);
    float* w = (float*)System.Runtime.InteropServices.Marshal.AllocHGlobal(4*Width*Columns);
    float* b = (float*)System.Runtime.InteropServices.Marshal.AllocHGlobal(4*Columns);
    float* o = (float*)System.Runtime.InteropServices.Marshal.AllocHGlobal(4*Columns);
    var rnd = new Random(1);
    for (int i=0;i<Width;i++) f[i]=(float)rnd.NextDouble();
    for (int i=0;i<Width*Columns;i++) w[i]=(float)rnd.NextDouble();
    for (int i=0;i<Columns;i++) b[i]=(float)rnd.NextDouble();
    for (int rep=0; rep<3; rep++) {
      Time("plain", () => Plain(f,w,b,o), o);
      Time("plainMem", () => PlainMem(f,w,b,o), o);
      Time("LanePtr", () => LanePtr<LS>(f,w,b,o), o);
      Time("LaneNoLoad", () => LaneNoLoad<LS>(f,w,b,o), o);
      Time("LaneIn", () => LaneIn(f,w,b,o), o);
      Time("LaneRefAcc", () => LaneRefAcc(f,w,b,o), o);
      Time("LaneDefault", () => LaneDefault<LS>(f,w,b,o), o);
      Time("LaneDirect", () => LaneDirect(f,w,b,o), o);
      Time("LaneRefAccLd", () => LaneRefAccLoad(f,w,b,o), o);
      Time("QuadRef0", () => QuadRef(f,w,b,o,0), o);
      Time("QuadRefL", () => QuadRef(f,w,b,o,1), o);
      Time("QuadRefS", () => QuadRef(f,w,b,o,2), o);
      Time("LaneScalar", () => Row<LS,float>(f,w,b,o), o);
      Time("Quad(ctor)", () => Row<LQ,F4>(f,w,b,o), o);
      Time("Quad(fields)", () => Row<LQ2,F4>(f,w,b,o), o);
      Time("Vector4", () => Row<LV4,Vector4>(f,w,b,o), o);
      Time("Vector<float>", () => Row<LVT,Vector<float>>(f,w,b,o), o);
    }
  }
  static void Time(string name, Action a, float* o) {
    for (int i=0;i<20;i++) a();
    var sw = Stopwatch.StartNew(); int n=200;
    for (int i=0;i<n;i++) a();
    Console.WriteLine($"{name,-14} {sw.Elapsed.TotalMilliseconds*1000/n,8:F1} us/row  chk {o[5]+o[1000]}");
  }
}
