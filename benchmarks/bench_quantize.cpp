// Quantize / dequantize kernels (kernels/quantize.hpp), Bits 1..8, at two sizes:
//   .../L2    16 x 2048 fp32 (128 KiB) per call, everything resident in L2;
//   .../DRAM  1024 x 4096 fp32 (16 MiB) per call, rotating over >= 1 GiB of
//             copies (input and output), so every call streams from DRAM.
// Counted bytes (bytes_per_second) are the FP32 side: the input of quantize,
// the output of dequantize; items_per_second is elements/s. fp32_memcpy copies
// the same fp32 bytes (the baseline to compare against, same binary, same run).
//
// Schemes: sym   = symmetric, per_group<32>, fp16 scales (the main line, ~Q4_0)
//          asym  = asymmetric, per_group<32>, fp16 scales and fp16 offsets (~Q4_1)
//
// Floors (AMD Zen 5, ~3.5 GHz, one core, avx512 build; see /work/shared/TOOLCHAIN.md):
//   dequantize L2:  per 16 outputs (64 B): 1 load + vpmovzxbd + vcvtdq2ps + vsubps
//                   + vmulps + 1 store ~ 4 vector ALU uops on 4 pipes -> ~1 cycle,
//                   ~220 GB/s compute; the L2 round trip of the output (~100-170 GB/s)
//                   and the unpack of the codes bound it first. Per group of 32: one
//                   broadcast of the (bulk-converted) scale, a few scalar ops.
//   dequantize DRAM: 16 MiB written to cold lines: write + read-for-ownership,
//                   ~ half the 34 GB/s read bandwidth -> ~17-25 GB/s of output.
//   quantize L2:    two passes over the input (validate + parameters before any write):
//                   2 x 128 KiB read at the L2 read floor (~97 GiB/s) -> ~48 GiB/s of
//                   input. Operations per register of 16 floats (avx512, symmetric):
//                   pass 1: load, x * 0, or (finiteness), abs, max = 5, plus per group
//                   of 32 one horizontal max (~8) and its share of the parameters
//                   (~2 per group, a register of 16 groups at a time) -> ~10;
//                   pass 2: load, div, round, add, max, min, cvtt, vpmovdb (2), store
//                   = 10; packing ~2. About 22 vector ops per 64 bytes: at 4 per
//                   cycle and ~3.5 GHz, ~40 GiB/s. Measured (bits:4): ~17 GiB/s,
//                   0.4 of that op floor. The division is not the bound: replacing
//                   it with a multiplication by 1 / d in the same loop (not
//                   bit-identical) measured 3.44 against 3.58 ns per group.
//   quantize DRAM:  the input is read from DRAM once (per 256 KiB block of rows,
//                   the scan pulls it into L2 and the quantize pass reads it there),
//                   but the two do not overlap: 1 / (1 / read floor + 1 / L2 rate)
//                   ~ 1 / (1/25.5 + 1/15.8) ~ 10 GiB/s (measured 9.2-10.7); with the
//                   next block prefetched during pass 2, up to 15.8 (measured 12.4, B = 4).
// Hot loops checked with objdump: no stack traffic in the per-register loops.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "bench_common.hpp"
#include "lowbit/kernels/quantize.hpp"
#include "lowbit/reference/quantize.hpp"

namespace {

using lowbit_bench::buffer;
using lowbit_bench::rotation;

struct shape {
  std::size_t rows, cols;
  std::size_t elements() const noexcept { return rows * cols; }
  std::size_t fp32_bytes() const noexcept { return rows * cols * sizeof(float); }
};
constexpr shape l2_shape{16, 2048};
constexpr shape dram_shape{1024, 4096};

template <int B>
using sym = lowbit::scheme<lowbit::bits<B>, lowbit::symmetric, lowbit::per_group<32>, lowbit::scale<lowbit::fp16>>;
template <int B>
using asym = lowbit::scheme<lowbit::bits<B>, lowbit::asymmetric, lowbit::per_group<32>, lowbit::scale<lowbit::fp16>,
                            lowbit::zero_point<lowbit::fp16>>;

// Quantize input: weights-like fp32 (bench_common.hpp fill_weights: ~N(0, 0.02^2),
// 1 in 256 an outlier 20x larger). quantize_random_bits: every byte & 0x3F, fp32
// patterns in [0, ~0.8] with uniformly distributed exponents, so about 1 value in
// 128 is subnormal and many quotients x / d underflow: the slow path of the FP
// units (an adversarial input, reported beside the realistic one).
// Dequantize input (a packed blob): bytes & 0x3F, so fp16 scales and offsets
// are finite and < 2 and dequantized values never go subnormal.
constexpr std::uint8_t fill_mask = 0x3F;

enum class input { weights, random_bits };

void set_counters(benchmark::State& state, const shape& sh) {
  const auto iters = static_cast<std::int64_t>(state.iterations());
  state.SetBytesProcessed(iters * static_cast<std::int64_t>(sh.fp32_bytes()));
  state.SetItemsProcessed(iters * static_cast<std::int64_t>(sh.elements()));
}

template <class S, bool Reference = false>
void bench_quantize(benchmark::State& state, bool dram, input data = input::weights) {
  const shape sh = dram ? dram_shape : l2_shape;
  const lowbit::matrix_layout<S> l{sh.rows, sh.cols};
  auto call = [&](const std::uint8_t* in, std::uint8_t* out) {
    const auto x = reinterpret_cast<const float*>(in);
    const auto view = lowbit::quantized_view<S>::from_blob(sh.rows, sh.cols, out, l.total_bytes());
    if constexpr (Reference)
      lowbit::reference::quantize<S>(x, sh.rows, sh.cols, view);
    else
      lowbit::kernels::quantize<S>(x, sh.rows, sh.cols, view);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  };
  if (dram) {
    const rotation r(sh.fp32_bytes(), l.total_bytes());
    if (data == input::weights)
      r.fill_weight_inputs(sh.fp32_bytes(), "quantize-bench");
    else
      r.fill_inputs(sh.fp32_bytes(), fill_mask, "quantize-bench");
    std::size_t i = 0;
    for (auto _ : state) {
      call(r.in(i), r.out(i));
      if (++i == r.count()) i = 0;
    }
    state.counters["copies"] = static_cast<double>(r.count());
  } else {
    const buffer in(sh.fp32_bytes()), out(l.total_bytes());
    if (data == input::weights)
      lowbit_bench::fill_weights(reinterpret_cast<float*>(in.data()), sh.elements(), 7);
    else
      lowbit_bench::fill_random(in.data(), sh.fp32_bytes(), fill_mask, 7);
    for (auto _ : state) call(in.data(), out.data());
  }
  set_counters(state, sh);
  state.SetLabel("bytes=fp32 in");
}

template <class S>
void bench_dequantize(benchmark::State& state, bool dram) {
  const shape sh = dram ? dram_shape : l2_shape;
  const lowbit::matrix_layout<S> l{sh.rows, sh.cols};
  auto call = [&](const std::uint8_t* in, std::uint8_t* out) {
    const auto q = lowbit::const_quantized_view<S>::from_blob(sh.rows, sh.cols, in, l.total_bytes());
    lowbit::kernels::dequantize<S>(q, reinterpret_cast<float*>(out));
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  };
  if (dram) {
    const rotation r(l.total_bytes(), sh.fp32_bytes());
    r.fill_inputs(l.total_bytes(), fill_mask, "dequantize-bench");
    std::size_t i = 0;
    for (auto _ : state) {
      call(r.in(i), r.out(i));
      if (++i == r.count()) i = 0;
    }
    state.counters["copies"] = static_cast<double>(r.count());
  } else {
    const buffer in(l.total_bytes()), out(sh.fp32_bytes());
    lowbit_bench::fill_random(in.data(), l.total_bytes(), fill_mask, 7);
    for (auto _ : state) call(in.data(), out.data());
  }
  set_counters(state, sh);
  state.SetLabel("bytes=fp32 out");
}

void bench_memcpy(benchmark::State& state, bool dram) {
  const shape sh = dram ? dram_shape : l2_shape;
  const std::size_t bytes = sh.fp32_bytes();
  if (dram) {
    const rotation r(bytes, bytes);
    r.fill_inputs(bytes, fill_mask, "quantize-bench");
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
  set_counters(state, sh);
  state.SetLabel("bytes=fp32 copied");
}

std::string bench_name(const char* op, const char* scheme, int bits, bool dram) {
  return std::string(op) + "/" + scheme + "_g32_fp16/bits:" + std::to_string(bits) + (dram ? "/DRAM" : "/L2");
}

template <int... I>
void register_all(std::integer_sequence<int, I...>) {
  for (bool dram : {false, true}) {
    benchmark::RegisterBenchmark((std::string("fp32_memcpy") + (dram ? "/DRAM" : "/L2")).c_str(),
                                 [dram](benchmark::State& s) { bench_memcpy(s, dram); });
    (benchmark::RegisterBenchmark(bench_name("dequantize", "sym", I + 1, dram).c_str(),
                                  [dram](benchmark::State& s) { bench_dequantize<sym<I + 1>>(s, dram); }),
     ...);
    (benchmark::RegisterBenchmark(bench_name("quantize", "sym", I + 1, dram).c_str(),
                                  [dram](benchmark::State& s) { bench_quantize<sym<I + 1>>(s, dram); }),
     ...);
    (benchmark::RegisterBenchmark(bench_name("dequantize", "asym", I + 1, dram).c_str(),
                                  [dram](benchmark::State& s) { bench_dequantize<asym<I + 1>>(s, dram); }),
     ...);
    (benchmark::RegisterBenchmark(bench_name("quantize", "asym", I + 1, dram).c_str(),
                                  [dram](benchmark::State& s) { bench_quantize<asym<I + 1>>(s, dram); }),
     ...);
  }
  benchmark::RegisterBenchmark("reference_quantize/sym_g32_fp16/bits:4/L2",
                               [](benchmark::State& s) { bench_quantize<sym<4>, true>(s, false); });
  for (bool dram : {false, true})
    benchmark::RegisterBenchmark(bench_name("quantize_random_bits", "sym", 4, dram).c_str(),
                                 [dram](benchmark::State& s) { bench_quantize<sym<4>>(s, dram, input::random_bits); });
}

const bool registered = [] {
  register_all(std::make_integer_sequence<int, 8>{});
  return true;
}();

}  // namespace
