// GEMV / GEMM on quantized weights against floors measured in the same process.
//
//   gemv/<scheme>/<path>/<rows>x<cols>/<cache|dram>/threads:<t>
//       y = W x. cache: the same matrix every iteration; dram: rotating over
//       copies totalling >= max(1 GiB, 4 x the last-level cache the OS reports).
//   gemm/<scheme>/<path>/<rows>x<cols>/tokens:<n>/threads:<t>
//   fp32_gemv/..., fp32_gemm/...: lowbit's own fp32 baseline (xsimd FMA, rows
//       split over the threads as lowbit's), and openblas_sgemv / openblas_sgemm
//       when the build found OpenBLAS.
//
// Counters: weight_GBps (bytes of the quantized matrix, codes + scales + zero
// points, per second), GFLOPs (2 rows cols tokens / s), and ratios to floors
// measured once per process, before the first benchmark that needs them:
//   read_floor     GB/s of the same-size read (SIMD OR over a buffer of the
//                  weights' size: in cache the same buffer again, dram rotating)
//                  with the same thread count;  x_read_floor = weight_GBps / read_floor
//   int8_peak      vpdpbusd (or the arch's dot4) GOP/s, 2 ops per u8 x s8 product
//   fma_peak       fp32 FMA GFLOP/s;  x_int8_peak / x_fma_peak = GFLOPs / peak
// Each floor is measured with the benchmark's thread count (two vCPUs may
// share one core's units: measured, not assumed).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <typeinfo>
#include <vector>

#include "bench_common.hpp"
#include "lowbit/lowbit.hpp"

#if defined(LOWBIT_BENCH_OPENBLAS)
#include <cblas.h>
#endif

namespace {

using namespace lowbit;
using lowbit_bench::buffer;
using clock_type = std::chrono::steady_clock;

// ---------------------------------------------------------------- floors

/// Runs f(thread index) on `threads` threads (the caller is thread 0).
template <class F>
void on_threads(unsigned threads, F&& f) {
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back([&, t] { f(t); });
  f(0);
  for (auto& th : pool) th.join();
}

/// Bytes a dram rotation covers: >= 1 GiB and >= 4 x the LLC the OS reports.
std::size_t rotation_total() {
  const long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
  return std::max<std::size_t>(std::size_t{1} << 30, llc > 0 ? 4 * static_cast<std::size_t>(llc) : 0);
}

/// GB/s of reading `bytes` (split over the threads), in cache or rotating over copies.
double read_floor(std::size_t bytes, bool dram, unsigned threads) {
  static std::map<std::tuple<std::size_t, bool, unsigned>, double> cache;
  const auto key = std::make_tuple(bytes, dram, threads);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  const std::size_t copies = dram ? std::max<std::size_t>(2, rotation_total() / bytes + 1) : 1;
  std::vector<buffer> bufs;
  for (std::size_t c = 0; c < copies; ++c) {
    bufs.emplace_back(bytes);
    lowbit_bench::fill_random(bufs.back().data(), bytes, 0xFF, c + 1);
  }
  const std::size_t share = (bytes / threads) / 64 * 64;
  double best = 0;
  std::uint64_t sink = 0;
  const std::size_t passes = dram ? std::max<std::size_t>(copies, 8) : std::max<std::size_t>(8, (1u << 28) / bytes);
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = clock_type::now();
    on_threads(threads, [&](unsigned t) {
      std::uint64_t s = 0;
      for (std::size_t p = 0; p < passes; ++p)
        s |= lowbit_bench::read_all<xsimd::default_arch>(bufs[p % copies].data() + t * share, share);
      if (t == 0) sink |= s;
    });
    const double sec = std::chrono::duration<double>(clock_type::now() - t0).count();
    best = std::max(best, static_cast<double>(share * threads) * static_cast<double>(passes) / sec / 1e9);
  }
  benchmark::DoNotOptimize(sink);
  return cache[key] = best;
}

/// Peak GOP/s of the int8 dot (2 ops per product), `threads` threads.
double int8_peak(unsigned threads) {
  static std::map<unsigned, double> cache;
  if (auto it = cache.find(threads); it != cache.end()) return it->second;
  using A = xsimd::default_arch;
  using I = xsimd::batch<std::int32_t, A>;
  using U = xsimd::batch<std::uint8_t, A>;
  constexpr std::size_t iters = std::size_t{1} << 24;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = clock_type::now();
    on_threads(threads, [&](unsigned) {
      // 12 independent accumulators in named registers (an array would be kept in memory)
      I a0(0), a1(1), a2(2), a3(3), a4(4), a5(5), a6(6), a7(7), a8(8), a9(9), a10(10), a11(11);  // distinct: not merged
      U u(std::uint8_t{3}), v(std::uint8_t{1});
      for (std::size_t i = 0; i < iters; ++i) {
        auto step = [&](I& a) LOWBIT_INLINE_LAMBDA { a = kernels::dot_arch::dot4<4, A>(a, u, v); };
        step(a0), step(a1), step(a2), step(a3), step(a4), step(a5);
        step(a6), step(a7), step(a8), step(a9), step(a10), step(a11);
        asm volatile("" : "+v"(u));  // keep the operands opaque so the loop is not folded
      }
      const I sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
      benchmark::DoNotOptimize(detail::simd::reduce_add(sum));
    });
    const double sec = std::chrono::duration<double>(clock_type::now() - t0).count();
    best = std::max(best, 2.0 * 12 * U::size * static_cast<double>(iters) * threads / sec / 1e9);
  }
  return cache[threads] = best;
}

/// Peak fp32 FMA GFLOP/s (2 flops per lane), `threads` threads.
double fma_peak(unsigned threads) {
  static std::map<unsigned, double> cache;
  if (auto it = cache.find(threads); it != cache.end()) return it->second;
  using B = xsimd::batch<float>;
  constexpr std::size_t iters = std::size_t{1} << 24;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = clock_type::now();
    on_threads(threads, [&](unsigned) {
      B c0(0.0f), c1(1.0f), c2(2.0f), c3(3.0f), c4(4.0f), c5(5.0f), c6(6.0f), c7(7.0f), c8(8.0f), c9(9.0f), c10(10.0f),
          c11(11.0f);
      B a(1.0000001f), b(0.9999999f);
      for (std::size_t i = 0; i < iters; ++i) {
        auto step = [&](B& c) LOWBIT_INLINE_LAMBDA { c = xsimd::fma(a, c, b); };
        step(c0), step(c1), step(c2), step(c3), step(c4), step(c5);
        step(c6), step(c7), step(c8), step(c9), step(c10), step(c11);
        asm volatile("" : "+v"(a));
      }
      const B sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
      benchmark::DoNotOptimize(detail::simd::reduce_add(sum));
    });
    const double sec = std::chrono::duration<double>(clock_type::now() - t0).count();
    best = std::max(best, 2.0 * 12 * B::size * static_cast<double>(iters) * threads / sec / 1e9);
  }
  return cache[threads] = best;
}

// ---------------------------------------------------------------- data

std::vector<float> weights(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  std::vector<float> w(rows * cols);
  lowbit_bench::fill_weights(w.data(), w.size(), seed);
  return w;
}
std::vector<float> acts(std::size_t n, std::uint64_t seed) {
  std::vector<float> x(n);
  lowbit_bench::fill_weights(x.data(), n, seed);
  for (float& v : x) v *= 50.0f;
  return x;
}

template <class S>
std::size_t stored_bytes(const quantized_matrix<S>& q) {
  return q.layout().code_bytes() + q.layout().scale_bytes() + q.layout().zero_point_bytes();
}

/// 2 rows cols tokens: the flops of one product.
double flops_of(std::size_t rows, std::size_t cols, std::size_t tokens) {
  return 2.0 * static_cast<double>(rows) * static_cast<double>(cols) * static_cast<double>(tokens);
}

void set_counters(benchmark::State& state, double bytes, double flops, double floor_gbps, double peak,
                  const char* peak_name) {
  const double it = static_cast<double>(state.iterations());
  state.counters["weight_GBps"] = benchmark::Counter(bytes * it / 1e9, benchmark::Counter::kIsRate);
  state.counters["GFLOPs"] = benchmark::Counter(flops * it / 1e9, benchmark::Counter::kIsRate);
  state.counters["read_floor_GBps"] = floor_gbps;
  if (peak > 0) state.counters[peak_name] = peak;
}

// ---------------------------------------------------------------- data cache

/// Google Benchmark calls a benchmark function several times (to size the
/// iteration count); the weights, and the >= 1 GiB of copies a dram rotation
/// needs, are made once per benchmark and kept until the next one asks for
/// something else (one entry: the rotations do not pile up in memory).
struct cache_slot {
  std::string key;
  std::shared_ptr<void> value;
};
/// The one slot every benchmark shares (a static in the template below would be one per instantiation).
cache_slot& the_cache() {
  static cache_slot slot;
  return slot;
}
template <class T, class Make>
const T& cached(const std::string& key, Make&& make) {
  cache_slot& slot = the_cache();
  if (key != slot.key || !slot.value) {
    slot.value.reset();  // free the previous entry first
    slot.value = std::make_shared<T>(make());
    slot.key = key;
  }
  return *static_cast<const T*>(slot.value.get());
}

// ---------------------------------------------------------------- lowbit

/// The copies of the weights a benchmark runs on (one in cache, a rotation
/// out of it): the quantized matrix in its blob layout, or with Prepacked its
/// prepacked form, in one arena of 2 MiB pages like the floor's buffers (an
/// engine's arena; views over it, as an engine would hold them).
template <class S, bool Prepacked>
struct weight_copies {
  using view_t = std::conditional_t<Prepacked, const_prepacked_view<S>, const_quantized_view<S>>;
  lowbit_bench::buffer arena;
  std::vector<view_t> views;
  std::size_t bytes = 0;  ///< stored bytes of one copy (codes, scales, zero points; prepacked: its bytes)
  double bits_per_weight = 0;
};

template <class S, bool Prepacked>
weight_copies<S, Prepacked> make_copies(std::size_t rows, std::size_t cols, bool dram) {
  const auto w = weights(rows, cols, 1);
  const quantized_matrix<S> q = lowbit::quantize<S>(w.data(), rows, cols);
  weight_copies<S, Prepacked> c;
  std::vector<std::uint8_t> image;  // one copy's bytes
  if constexpr (Prepacked) {
    const prepacked_matrix<S> p = lowbit::prepack(q);
    image.assign(reinterpret_cast<const std::uint8_t*>(p.data()),
                 reinterpret_cast<const std::uint8_t*>(p.data()) + p.bytes());
    c.bytes = p.bytes();
    c.bits_per_weight = p.layout().bits_per_weight();
  } else {
    const matrix_layout<S>& l = q.layout();
    image.assign(l.total_bytes(), 0);
    std::memcpy(image.data(), q.codes().data(), l.code_bytes());
    std::memcpy(image.data() + l.scales_offset(), q.scales().data(), l.scale_bytes());
    if constexpr (S::has_zero_point)
      std::memcpy(image.data() + l.zero_points_offset(), q.zero_points().data(), l.zero_point_bytes());
    c.bytes = stored_bytes(q);
    c.bits_per_weight = l.bits_per_weight();
  }
  const std::size_t stride = (image.size() + 63) / 64 * 64;
  const std::size_t n = dram ? std::max<std::size_t>(2, rotation_total() / c.bytes + 1) : 1;
  c.arena = lowbit_bench::buffer(stride * n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t* at = c.arena.data() + i * stride;
    std::memcpy(at, image.data(), image.size());
    c.views.push_back(weight_copies<S, Prepacked>::view_t::from_blob(rows, cols, at, image.size()));
  }
  return c;
}

template <class S, bool Prepacked>
const weight_copies<S, Prepacked>& cached_copies(std::size_t rows, std::size_t cols, bool dram) {
  return cached<weight_copies<S, Prepacked>>(std::string(typeid(S).name()) + (Prepacked ? "prepacked" : "") +
                                                 std::to_string(rows) + "x" + std::to_string(cols) +
                                                 (dram ? "dram" : "cache"),
                                             [&] { return make_copies<S, Prepacked>(rows, cols, dram); });
}

template <class S, class Path, bool Prepacked>
void bench_gemv(benchmark::State& state, std::size_t rows, std::size_t cols, bool dram, unsigned nthreads) {
  const auto& ws = cached_copies<S, Prepacked>(rows, cols, dram);
  const std::size_t copies = ws.views.size();
  const auto x = acts(cols, 2);
  std::vector<float> y(rows);
  const double floor_gbps = read_floor(ws.bytes, dram, nthreads);
  std::size_t i = 0;
  for (auto _ : state) {
    lowbit::gemv<Path>(ws.views[i], x.data(), y.data(), threads{nthreads});
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
    if (++i == copies) i = 0;
  }
  set_counters(state, static_cast<double>(ws.bytes), flops_of(rows, cols, 1), floor_gbps, 0, "");
  state.counters["copies"] = static_cast<double>(copies);
  state.counters["bits_per_weight"] = ws.bits_per_weight;
}

template <class S, class Path, bool Prepacked>
void bench_gemm(benchmark::State& state, std::size_t rows, std::size_t cols, std::size_t tokens, unsigned nthreads) {
  const auto& ws = cached_copies<S, Prepacked>(rows, cols, false);
  const auto x = acts(tokens * cols, 2);
  std::vector<float> y(tokens * rows);
  using A = xsimd::default_arch;
  const bool automatic_int8 =
      Prepacked ? kernels::dot_arch::has_fast_dot<A> : kernels::matmul_impl::automatic_is_int8<S, A>;
  const bool int8 = std::is_same_v<Path, path::int8_dot> || (std::is_same_v<Path, path::automatic> && automatic_int8);
  const double peak = int8 ? int8_peak(nthreads) : fma_peak(nthreads);
  const double floor_gbps = read_floor(ws.bytes, false, nthreads);
  for (auto _ : state) {
    lowbit::gemm<Path>(ws.views[0], x.data(), tokens, y.data(), threads{nthreads});
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, static_cast<double>(ws.bytes), flops_of(rows, cols, tokens), floor_gbps, peak,
               int8 ? "int8_peak_GOPs" : "fma_peak_GFLOPs");
  state.counters["bits_per_weight"] = ws.bits_per_weight;
}

// ---------------------------------------------------------------- fp32 baselines

/// Rows [r0, r1) of Y = X W^T in fp32 (xsimd FMA, 4 tokens at a time).
void fp32_rows(const float* w, const float* x, std::size_t tokens, std::size_t cols, std::size_t rows, std::size_t r0,
               std::size_t r1, float* y) {
  using B = xsimd::batch<float>;
  constexpr std::size_t L = B::size;
  for (std::size_t t0 = 0; t0 < tokens; t0 += 4) {
    const std::size_t nt = std::min<std::size_t>(4, tokens - t0);
    for (std::size_t r = r0; r < r1; ++r) {
      B acc[4] = {B(0.0f), B(0.0f), B(0.0f), B(0.0f)};
      std::size_t k = 0;
      for (; k + L <= cols; k += L) {
        const B wv = B::load_unaligned(w + r * cols + k);
        for (std::size_t t = 0; t < nt; ++t)
          acc[t] = xsimd::fma(wv, B::load_unaligned(x + (t0 + t) * cols + k), acc[t]);
      }
      for (std::size_t t = 0; t < nt; ++t) {
        float s = detail::simd::reduce_add(acc[t]);
        for (std::size_t kk = k; kk < cols; ++kk) s += w[r * cols + kk] * x[(t0 + t) * cols + kk];
        y[(t0 + t) * rows + r] = s;
      }
    }
  }
}

/// The fp32 weights of the baselines: one copy in cache, a rotation out of it.
const std::vector<std::vector<float>>& fp32_weights(std::size_t rows, std::size_t cols, bool dram) {
  using copies_t = std::vector<std::vector<float>>;
  return cached<copies_t>("fp32" + std::to_string(rows) + "x" + std::to_string(cols) + (dram ? "dram" : "cache"), [&] {
    const std::size_t bytes = rows * cols * sizeof(float);
    const std::size_t n = dram ? std::max<std::size_t>(2, rotation_total() / bytes + 1) : 1;
    return copies_t(n, weights(rows, cols, 1));
  });
}

void bench_fp32(benchmark::State& state, std::size_t rows, std::size_t cols, std::size_t tokens, bool dram,
                unsigned threads) {
  const std::size_t bytes = rows * cols * sizeof(float);
  const auto& ws = fp32_weights(rows, cols, dram);
  const std::size_t copies = ws.size();
  const auto x = acts(tokens * cols, 2);
  std::vector<float> y(tokens * rows);
  const double floor_gbps = read_floor(bytes, dram, threads);
  std::size_t i = 0;
  for (auto _ : state) {
    on_threads(threads, [&](unsigned t) {
      fp32_rows(ws[i].data(), x.data(), tokens, cols, rows, rows * t / threads, rows * (t + 1) / threads, y.data());
    });
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
    if (++i == copies) i = 0;
  }
  set_counters(state, static_cast<double>(bytes), flops_of(rows, cols, tokens), floor_gbps,
               tokens > 1 ? fma_peak(threads) : 0, "fma_peak_GFLOPs");
}

#if defined(LOWBIT_BENCH_OPENBLAS)
void bench_openblas(benchmark::State& state, std::size_t rows, std::size_t cols, std::size_t tokens, bool dram,
                    unsigned threads) {
  openblas_set_num_threads(static_cast<int>(threads));
  const std::size_t bytes = rows * cols * sizeof(float);
  const auto& ws = fp32_weights(rows, cols, dram);
  const std::size_t copies = ws.size();
  const auto x = acts(tokens * cols, 2);
  std::vector<float> y(tokens * rows);
  const double floor_gbps = read_floor(bytes, dram, threads);
  std::size_t i = 0;
  const int m = static_cast<int>(rows), k = static_cast<int>(cols), n = static_cast<int>(tokens);
  for (auto _ : state) {
    if (tokens == 1)
      cblas_sgemv(CblasRowMajor, CblasNoTrans, m, k, 1.0f, ws[i].data(), k, x.data(), 1, 0.0f, y.data(), 1);
    else  // Y (n x m) = X (n x k) W^T
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, m, k, 1.0f, x.data(), k, ws[i].data(), k, 0.0f, y.data(),
                  m);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
    if (++i == copies) i = 0;
  }
  set_counters(state, static_cast<double>(bytes), flops_of(rows, cols, tokens), floor_gbps,
               tokens > 1 ? fma_peak(threads) : 0, "fma_peak_GFLOPs");
}
#endif

// ---------------------------------------------------------------- registration

template <int B, bool Sym, std::size_t G>
using S = scheme<bits<B>, std::conditional_t<Sym, symmetric, asymmetric>, per_group<G>, scale<fp16>>;

struct shape {
  std::size_t rows, cols;
};
constexpr shape shapes[] = {{4096, 4096}, {11008, 4096}, {4096, 11008}};
constexpr std::size_t batch_sizes[] = {8, 32, 128, 512};

std::string shape_name(const shape& s) {
  return std::to_string(s.rows) + "x" + std::to_string(s.cols);
}

template <class Sc, class Path, bool Prepacked>
void register_scheme(const std::string& name, const char* path_name, bool all_shapes) {
  for (const shape& sh : shapes) {
    if (!all_shapes && sh.rows != 4096) continue;
    if (!all_shapes && sh.cols != 4096) continue;
    for (unsigned t : {1u, 2u}) {
      for (bool dram : {false, true}) {
        if (!dram && sh.rows * sh.cols > 4096u * 4096u) continue;  // in cache: the 4096x4096 matrix
        benchmark::RegisterBenchmark(
            ("gemv/" + name + "/" + path_name + "/" + shape_name(sh) + "/" + (dram ? "dram" : "cache") +
             "/threads:" + std::to_string(t))
                .c_str(),
            [=](benchmark::State& s) { bench_gemv<Sc, Path, Prepacked>(s, sh.rows, sh.cols, dram, t); })
            ->Unit(benchmark::kMicrosecond)
            ->UseRealTime();
      }
      for (std::size_t n : batch_sizes) {
        if (!all_shapes && n != 128) continue;
        benchmark::RegisterBenchmark(
            ("gemm/" + name + "/" + path_name + "/" + shape_name(sh) + "/tokens:" + std::to_string(n) +
             "/threads:" + std::to_string(t))
                .c_str(),
            [=](benchmark::State& s) { bench_gemm<Sc, Path, Prepacked>(s, sh.rows, sh.cols, n, t); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
    }
  }
}

template <int B, bool Sym, std::size_t G>
void register_width(bool all_shapes) {
  const std::string name =
      std::string(Sym ? "sym" : "asym") + "_g" + std::to_string(G) + "_fp16/bits:" + std::to_string(B);
  register_scheme<S<B, Sym, G>, path::floating, false>(name, "floating", all_shapes);
  register_scheme<S<B, Sym, G>, path::int8_dot, false>(name, "int8_dot", all_shapes);
  register_scheme<S<B, Sym, G>, path::floating, true>(name, "floating_prepacked", all_shapes);
  register_scheme<S<B, Sym, G>, path::int8_dot, true>(name, "int8_dot_prepacked", all_shapes);
}

int register_all = [] {
#if defined(LOWBIT_ISA_LEVEL_avx512vnni)  // bench.avx512vnni has no bench_floors.cpp, which adds these elsewhere
  benchmark::AddCustomContext("cpu_model", lowbit_bench::cpu_model());
  benchmark::AddCustomContext("lowbit_isa_level", LOWBIT_ISA_NAME);
#endif
  // widths 2..8 symmetric group 32 on the 4096 x 4096 shape; 4-bit in every
  // variant (sym / asym, group 32 / 128) on every shape and batch size
  register_width<2, true, 32>(false);
  register_width<3, true, 32>(false);
  register_width<4, true, 32>(true);
  register_width<5, true, 32>(false);
  register_width<6, true, 32>(false);
  register_width<8, true, 32>(false);
  register_width<4, false, 32>(true);
  register_width<4, true, 128>(true);
  register_width<4, false, 128>(false);
  for (const shape& sh : shapes)
    for (unsigned t : {1u, 2u})
      for (std::size_t n : {std::size_t{1}, std::size_t{8}, std::size_t{32}, std::size_t{128}, std::size_t{512}})
        for (bool dram : {false, true}) {
          if (n > 1 && dram) continue;
          if (!dram && n == 1 && sh.rows * sh.cols > 4096u * 4096u) continue;
          const std::string suffix = shape_name(sh) + "/tokens:" + std::to_string(n) + "/" + (dram ? "dram" : "cache") +
                                     "/threads:" + std::to_string(t);
          benchmark::RegisterBenchmark(("fp32/lowbit/" + suffix).c_str(),
                                       [=](benchmark::State& s) { bench_fp32(s, sh.rows, sh.cols, n, dram, t); })
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
#if defined(LOWBIT_BENCH_OPENBLAS)
          benchmark::RegisterBenchmark(("fp32/openblas/" + suffix).c_str(),
                                       [=](benchmark::State& s) { bench_openblas(s, sh.rows, sh.cols, n, dram, t); })
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
#endif
        }
  return 0;
}();

}  // namespace
