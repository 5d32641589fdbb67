// Bandwidth floors to judge the kernels against, measured in the same run and
// at the same sizes as bench_pack.cpp:
//   floor_read    SIMD OR-reduction over the buffer     (bytes = bytes read)
//   floor_write   memset                                (bytes = bytes written)
//   floor_memcpy  memcpy                                (bytes = bytes copied, i.e. read)
// .../L2 uses 64 KiB (the largest L2 buffer of bench_pack); .../DRAM uses 4 MiB
// per call rotating over >= 1 GiB of copies, like the out-of-cache kernels.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "bench_common.hpp"
#include "lowbit/config.hpp"

namespace {

using lowbit_bench::buffer;
using lowbit_bench::rotation;

enum class floor_kind { read, write, memcpy };

void floor_bench(benchmark::State& state, floor_kind kind, bool dram) {
  const std::size_t bytes = dram ? lowbit_bench::dram_codes : lowbit_bench::l2_codes;
  const std::size_t in_bytes = kind == floor_kind::write ? 0 : bytes;
  const std::size_t out_bytes = kind == floor_kind::read ? 0 : bytes;
  auto call = [&](std::uint8_t* in, std::uint8_t* out) {
    switch (kind) {
      case floor_kind::read:
        benchmark::DoNotOptimize(lowbit_bench::read_all<xsimd::default_arch>(in, bytes));
        break;
      case floor_kind::write:
        std::memset(out, 0x3C, bytes);
        break;
      case floor_kind::memcpy:
        std::memcpy(out, in, bytes);
        break;
    }
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  };
  if (dram) {
    const rotation r(in_bytes, out_bytes);
    if (in_bytes != 0) r.fill_inputs(in_bytes, 0xFF, "floors");
    std::size_t i = 0;
    for (auto _ : state) {
      call(r.in(i), r.out(i));
      if (++i == r.count()) i = 0;
    }
    state.counters["copies"] = static_cast<double>(r.count());
  } else {
    const buffer in(in_bytes), out(out_bytes);
    lowbit_bench::fill_random(in.data(), in_bytes, 0xFF, 3);
    for (auto _ : state) call(in.data(), out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes));
}

const bool registered = [] {
  benchmark::AddCustomContext("cpu_model", lowbit_bench::cpu_model());
  benchmark::AddCustomContext("lowbit_isa_level", LOWBIT_ISA_NAME);
  const std::pair<floor_kind, const char*> kinds[] = {
      {floor_kind::read, "floor_read"}, {floor_kind::write, "floor_write"}, {floor_kind::memcpy, "floor_memcpy"}};
  for (const auto& [kind, label] : kinds)
    for (bool dram : {false, true})
      benchmark::RegisterBenchmark((std::string(label) + (dram ? "/DRAM" : "/L2")).c_str(),
                                   [kind = kind, dram](benchmark::State& s) { floor_bench(s, kind, dram); });
  return true;
}();

}  // namespace
