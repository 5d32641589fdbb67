// Packing kernels (kernels/pack.hpp), byte words, Bits 1..8, at two sizes:
//   .../L2    64 Ki codes per call, input and output resident in L2;
//   .../DRAM  4 Mi codes per call, rotating over >= 1 GiB of copies (input from DRAM).
// Counted bytes (bytes_per_second) are the PACKED bytes: the input of unpack,
// the output of pack (label "bytes=packed"). unpack_i8 writes the signed int8
// levels (u - 2^(Bits-1)) instead of the codes. items_per_second is codes/s, which
// is also the byte rate of the unpacked side (one byte per code).
// Compare with bench_floors.cpp (read / write / memcpy floors, same sizes).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "bench_common.hpp"
#include "lowbit/kernels/pack.hpp"

namespace {

using lowbit_bench::buffer;
using lowbit_bench::rotation;

enum class op { unpack, unpack_int8, pack, pack_unchecked };

const char* name(op o) {
  switch (o) {
    case op::unpack:
      return "unpack_u8";
    case op::unpack_int8:
      return "unpack_i8";
    case op::pack:
      return "pack_u8";
    case op::pack_unchecked:
      return "pack_unchecked_u8";
  }
  return "?";
}

template <int Bits, op Op>
void run(std::uint8_t* codes, std::uint8_t* packed, std::size_t n) {
  if constexpr (Op == op::unpack)
    lowbit::kernels::unpack_row<Bits, std::uint8_t>(packed, n, codes);
  else if constexpr (Op == op::unpack_int8)
    lowbit::kernels::unpack_row_int8<Bits, std::uint8_t>(packed, n, reinterpret_cast<std::int8_t*>(codes));
  else if constexpr (Op == op::pack)
    lowbit::kernels::pack_row<Bits, std::uint8_t>(codes, n, packed);
  else
    lowbit::kernels::pack_row_unchecked<Bits, std::uint8_t>(codes, n, packed);
}

template <int Bits, op Op>
void bench(benchmark::State& state, bool dram) {
  const std::size_t n = dram ? lowbit_bench::dram_codes : lowbit_bench::l2_codes;
  const std::size_t packed_bytes = lowbit::packed_layout<Bits, std::uint8_t>::row_words(n);
  const auto code_mask = static_cast<std::uint8_t>((1u << Bits) - 1u);
  // Input: packed bytes (any bit pattern is a valid packing) or codes < 2^Bits.
  constexpr bool unpacks = Op == op::unpack || Op == op::unpack_int8;
  const std::size_t in_bytes = unpacks ? packed_bytes : n;
  const std::size_t out_bytes = unpacks ? n : packed_bytes;
  const std::uint8_t in_mask = unpacks ? std::uint8_t{0xFF} : code_mask;

  auto call = [&](std::uint8_t* in, std::uint8_t* out) {
    if constexpr (unpacks)
      run<Bits, Op>(out, in, n);
    else
      run<Bits, Op>(in, out, n);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  };
  if (dram) {
    const rotation r(in_bytes, out_bytes);
    r.fill_inputs(in_bytes, in_mask, "pack-bench");
    std::size_t i = 0;
    for (auto _ : state) {
      call(r.in(i), r.out(i));
      if (++i == r.count()) i = 0;
    }
    state.counters["copies"] = static_cast<double>(r.count());
  } else {
    const buffer in(in_bytes), out(out_bytes);
    lowbit_bench::fill_random(in.data(), in_bytes, in_mask, 7);
    for (auto _ : state) call(in.data(), out.data());
  }
  const auto iters = static_cast<std::int64_t>(state.iterations());
  state.SetBytesProcessed(iters * static_cast<std::int64_t>(packed_bytes));
  state.SetItemsProcessed(iters * static_cast<std::int64_t>(n));
  state.SetLabel("bytes=packed");
}

template <op Op, int... B>
void register_op(std::integer_sequence<int, B...>) {
  for (bool dram : {false, true}) {
    (benchmark::RegisterBenchmark(
         (std::string(name(Op)) + "/bits:" + std::to_string(B + 1) + (dram ? "/DRAM" : "/L2")).c_str(),
         [dram](benchmark::State& s) { bench<B + 1, Op>(s, dram); }),
     ...);
  }
}

const bool registered = [] {
  register_op<op::unpack>(std::make_integer_sequence<int, 8>{});
  register_op<op::unpack_int8>(std::make_integer_sequence<int, 8>{});
  register_op<op::pack>(std::make_integer_sequence<int, 8>{});
  register_op<op::pack_unchecked>(std::make_integer_sequence<int, 8>{});
  return true;
}();

}  // namespace
