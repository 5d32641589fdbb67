// tests/odr: odr.link_and_run. Built with no -m flags and linked with the three
// objects of odr_tu.cpp (sse2, avx2, avx512; the avx512 object first on the
// link line, so that any symbol they shared would resolve to its copy). Runs
// every level the CPU has and checks that
//   - each level's kernels agree with the reference inside its TU;
//   - all levels return the same checksums (lowbit's results are bit-identical
//     on every ISA);
//   - the lowbit function instances each TU names (same template arguments)
//     have distinct addresses per level: the linker did not merge them;
//   - each level's inline namespace has its own name.
// This file includes no lowbit header, so it contributes no lowbit symbol.
// Exits 77 (skipped) if the CPU runs only the baseline level: nothing to compare.
#include <cstdio>
#include <cstring>

#include "odr_api.hpp"

namespace {

const char* const section_name[odr_section_count] = {"quantize", "dequantize", "views",        "reference",
                                                     "pack",     "convert",    "group_params", "errors"};
const char* const entry_name[odr_entry_count] = {
    "dequantize<S>",           "quantize<S> (owning)",        "pack_row<4, uint8_t>",
    "unpack_row<3, uint32_t>", "unpack_row_int8<4, uint8_t>", "convert(float -> fp16)",
    "convert(bf16 -> float)",  "compute_group_params<S>",     "load_group_params<S>",
    "reference::quantize<S>",  "reference::dequantize<S>"};

bool cpu_has_avx2() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
         __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
}

bool cpu_has_avx512() {
  return cpu_has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd");
}

struct level {
  const char* name;
  void (*run)(odr_result*);
  bool supported;
  odr_result result;
};

}  // namespace

int main() {
  __builtin_cpu_init();
  level levels[] = {{"sse2", run_odr_sse2, true, {}},
                    {"avx2", run_odr_avx2, cpu_has_avx2(), {}},
                    {"avx512", run_odr_avx512, cpu_has_avx512(), {}}};
  constexpr int n_levels = sizeof(levels) / sizeof(levels[0]);

  int failures = 0;
  int ran = 0;
  for (level& l : levels) {
    if (!l.supported) {
      std::printf("%-6s  not run: this CPU lacks the ISA\n", l.name);
      continue;
    }
    l.run(&l.result);
    ++ran;
    std::printf("%-6s  namespace lowbit::%s\n", l.name, l.result.isa_namespace);
    if (l.result.simd_vs_reference_mismatches != 0) {
      std::printf("FAIL  %s: %llu results differ from the reference in the same TU\n", l.name,
                  static_cast<unsigned long long>(l.result.simd_vs_reference_mismatches));
      ++failures;
    }
    for (int s = 0; s < odr_section_count; ++s) {
      std::printf("        %-13s %016llx  (%llu values)\n", section_name[s],
                  static_cast<unsigned long long>(l.result.checksum[s]),
                  static_cast<unsigned long long>(l.result.values[s]));
      if (l.result.values[s] == 0) {
        std::printf("FAIL  %s: section %s hashed nothing\n", l.name, section_name[s]);
        ++failures;
      }
    }
  }

  for (int a = 0; a < n_levels; ++a) {
    for (int b = a + 1; b < n_levels; ++b) {
      if (!levels[a].supported || !levels[b].supported) continue;
      const odr_result& ra = levels[a].result;
      const odr_result& rb = levels[b].result;
      for (int s = 0; s < odr_section_count; ++s) {
        if (ra.checksum[s] != rb.checksum[s] || ra.values[s] != rb.values[s]) {
          std::printf("FAIL  %s vs %s: section %s differs\n", levels[a].name, levels[b].name, section_name[s]);
          ++failures;
        }
      }
      for (int e = 0; e < odr_entry_count; ++e) {
        if (ra.entry[e] == nullptr || rb.entry[e] == nullptr || ra.entry[e] == rb.entry[e]) {
          std::printf("FAIL  %s vs %s: lowbit::%s is one function (%p) for both: the linker merged them\n",
                      levels[a].name, levels[b].name, entry_name[e], ra.entry[e]);
          ++failures;
        }
      }
      if (std::strcmp(ra.isa_namespace, rb.isa_namespace) == 0) {
        std::printf("FAIL  %s vs %s: both TUs use namespace lowbit::%s\n", levels[a].name, levels[b].name,
                    ra.isa_namespace);
        ++failures;
      }
    }
  }

  if (failures != 0) {
    std::printf("odr.link_and_run: %d failures\n", failures);
    return 1;
  }
  if (ran < 2) {
    std::printf("SKIPPED: this CPU runs only the sse2 level; there is nothing to compare\n");
    return 77;
  }
  std::printf("odr.link_and_run: passed (%d ISA levels in one binary, same results, distinct symbols)\n", ran);
  return 0;
}
