// Bulk fp32 <-> fp16 / bf16 conversion (lowbit::convert, kernels/convert.hpp) at two sizes:
//   .../L2    32768 values (128 KiB of fp32 + 64 KiB of fp16 / bf16) per call, resident in L2;
//   .../DRAM  4 Mi values (16 MiB of fp32 + 8 MiB) per call, rotating over >= 1 GiB of
//             copies (input and output), so every call streams from DRAM.
// Counted bytes (bytes_per_second) are the FP32 side: the input of f32_to_*, the
// output of *_to_f32; items_per_second is values/s. fp32_memcpy copies the same
// fp32 bytes (the baseline, same binary, same run): it moves 2 x 4 bytes per value
// where a conversion moves 4 + 2, so a conversion at the bandwidth floor shows
// about 4/3 of memcpy's bytes_per_second.
//
// Inputs: f32_to_* weights-like fp32 (bench_common.hpp fill_weights); *_to_f32
// random bytes & 0x3F (finite fp16 / bf16, no NaN: the hardware fp16 path).
// fp16_to_f32_random_bits: every bit pattern, ~3% NaN / Inf, so about 40% of the
// 16-lane registers hold a NaN and take the exact integer path (vcvtph2ps would
// quiet signalling NaNs); the adversarial input, beside the realistic one.
// scalar_*: the per-value scalar conversions in a plain loop, for scale.
//
// Per register of 16 values on avx512 (x86-64-v4): f32 -> fp16 load, vcvtps2ph,
// store; fp16 -> f32 load, vcvtph2ps, vcmpps + kortest (the NaN check), store;
// bf16 -> f32 vpmovzxwd, vpslld, store; f32 -> bf16 (no AVX512-BF16 at x86-64-v4)
// ~9 integer ops + vpmovdw. All are bound by the L2 round trip or DRAM, not the ALUs.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "bench_common.hpp"
#include "lowbit/convert.hpp"

namespace {

using lowbit::bf16;
using lowbit::fp16;
using lowbit_bench::buffer;
using lowbit_bench::rotation;

constexpr std::size_t l2_values = std::size_t{32} << 10;
constexpr std::size_t dram_values = std::size_t{4} << 20;
constexpr std::uint8_t fill_mask = 0x3F;

void set_counters(benchmark::State& state, std::size_t values, const char* label) {
  const auto iters = static_cast<std::int64_t>(state.iterations());
  state.SetBytesProcessed(iters * static_cast<std::int64_t>(values * sizeof(float)));
  state.SetItemsProcessed(iters * static_cast<std::int64_t>(values));
  state.SetLabel(label);
}

/// Runs call(in, out) on L2-resident buffers or over a DRAM rotation; In / Out are the element types.
template <class In, class Out, class Call>
void run(benchmark::State& state, bool dram, Call call, bool random_bits = false) {
  const std::size_t n = dram ? dram_values : l2_values;
  const std::size_t in_bytes = n * sizeof(In), out_bytes = n * sizeof(Out);
  const auto go = [&](std::uint8_t* in, std::uint8_t* out) {
    call(reinterpret_cast<const In*>(in), n, reinterpret_cast<Out*>(out));
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  };
  if (dram) {
    const rotation r(in_bytes, out_bytes);
    if constexpr (sizeof(In) == sizeof(float))
      r.fill_weight_inputs(in_bytes, "convert-bench");
    else
      r.fill_inputs(in_bytes, fill_mask, "convert-bench");
    std::size_t i = 0;
    for (auto _ : state) {
      go(r.in(i), r.out(i));
      if (++i == r.count()) i = 0;
    }
    state.counters["copies"] = static_cast<double>(r.count());
  } else {
    const buffer in(in_bytes), out(out_bytes);
    if constexpr (sizeof(In) == sizeof(float))
      lowbit_bench::fill_weights(reinterpret_cast<float*>(in.data()), n, 7);
    else
      lowbit_bench::fill_random(in.data(), in_bytes, random_bits ? 0xFF : fill_mask, 7);
    for (auto _ : state) go(in.data(), out.data());
  }
  set_counters(state, n, sizeof(In) == sizeof(float) ? "bytes=fp32 in" : "bytes=fp32 out");
}

void bench_memcpy(benchmark::State& state, bool dram) {
  const std::size_t n = dram ? dram_values : l2_values;
  const std::size_t bytes = n * sizeof(float);
  if (dram) {
    const rotation r(bytes, bytes);
    r.fill_weight_inputs(bytes, "convert-bench");
    std::size_t i = 0;
    for (auto _ : state) {
      std::memcpy(r.out(i), r.in(i), bytes);
      benchmark::ClobberMemory();
      if (++i == r.count()) i = 0;
    }
  } else {
    const buffer in(bytes), out(bytes);
    for (auto _ : state) {
      std::memcpy(out.data(), in.data(), bytes);
      benchmark::ClobberMemory();
    }
  }
  set_counters(state, n, "bytes=fp32 copied");
}

template <class T>
void scalar_from_float(const float* in, std::size_t n, T* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = T(in[i]);
}
template <class T>
void scalar_to_float(const T* in, std::size_t n, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]);
}

const bool registered = [] {
  for (bool dram : {false, true}) {
    const std::string size = dram ? "/DRAM" : "/L2";
    benchmark::RegisterBenchmark(("convert/fp32_memcpy" + size).c_str(),
                                 [dram](benchmark::State& s) { bench_memcpy(s, dram); });
    benchmark::RegisterBenchmark(("convert/f32_to_fp16" + size).c_str(), [dram](benchmark::State& s) {
      run<float, fp16>(s, dram, [](const float* i, std::size_t n, fp16* o) { lowbit::convert(i, n, o); });
    });
    benchmark::RegisterBenchmark(("convert/f32_to_bf16" + size).c_str(), [dram](benchmark::State& s) {
      run<float, bf16>(s, dram, [](const float* i, std::size_t n, bf16* o) { lowbit::convert(i, n, o); });
    });
    benchmark::RegisterBenchmark(("convert/fp16_to_f32" + size).c_str(), [dram](benchmark::State& s) {
      run<fp16, float>(s, dram, [](const fp16* i, std::size_t n, float* o) { lowbit::convert(i, n, o); });
    });
    benchmark::RegisterBenchmark(("convert/bf16_to_f32" + size).c_str(), [dram](benchmark::State& s) {
      run<bf16, float>(s, dram, [](const bf16* i, std::size_t n, float* o) { lowbit::convert(i, n, o); });
    });
  }
  benchmark::RegisterBenchmark("convert/fp16_to_f32_random_bits/L2", [](benchmark::State& s) {
    run<fp16, float>(
        s, false, [](const fp16* i, std::size_t n, float* o) { lowbit::convert(i, n, o); }, true);
  });
  benchmark::RegisterBenchmark("convert/scalar_f32_to_fp16/L2",
                               [](benchmark::State& s) { run<float, fp16>(s, false, scalar_from_float<fp16>); });
  benchmark::RegisterBenchmark("convert/scalar_f32_to_bf16/L2",
                               [](benchmark::State& s) { run<float, bf16>(s, false, scalar_from_float<bf16>); });
  benchmark::RegisterBenchmark("convert/scalar_fp16_to_f32/L2",
                               [](benchmark::State& s) { run<fp16, float>(s, false, scalar_to_float<fp16>); });
  return true;
}();

}  // namespace
