// tests/odr: what each ISA translation unit (odr_tu.cpp, compiled once per ISA
// level) hands to main.cpp. main.cpp does not include lowbit, so this header
// does not either.
#pragma once

#include <cstdint>

/// Sections of the results, each hashed on its own (FNV-1a over the bytes of
/// every output value) so that a mismatch between ISA levels names the part.
enum odr_section : int {
  odr_quantize,      ///< codes, scales, zero points of quantize<S>() for every scheme
  odr_dequantize,    ///< dequantize<S>() of those
  odr_views,         ///< quantize / dequantize through from_blob views and separate arrays
  odr_reference,     ///< reference::quantize / dequantize (the oracle, also compiled per ISA)
  odr_pack,          ///< pack_row / unpack_row / unpack_row_int8
  odr_convert,       ///< lowbit::convert, the four directions
  odr_group_params,  ///< compute_group_params / load_group_params
  odr_errors,        ///< messages of the lowbit::error thrown for refused input
  odr_section_count
};

/// Addresses of some lowbit function template instances, the same template
/// arguments in every TU. Distinct ISA levels must get distinct addresses: the
/// same address would mean the linker merged the copies of two TUs.
enum odr_entry : int {
  odr_fn_dequantize,
  odr_fn_quantize_owning,
  odr_fn_pack_row,
  odr_fn_unpack_row,
  odr_fn_unpack_row_int8,
  odr_fn_convert_to_fp16,
  odr_fn_convert_from_bf16,
  odr_fn_compute_group_params,
  odr_fn_load_group_params,
  odr_fn_reference_quantize,
  odr_fn_reference_dequantize,
  odr_entry_count
};

struct odr_result {
  std::uint64_t checksum[odr_section_count];
  std::uint64_t values[odr_section_count];     ///< how many values each section hashed
  std::uint64_t simd_vs_reference_mismatches;  ///< within the TU: kernels vs reference::, must be 0
  const void* entry[odr_entry_count];
  const char* isa_namespace;  ///< the TU's LOWBIT_ISA_NAMESPACE, spelled out
};

// One per ISA level, each defined by its own object (odr_tu.cpp with ODR_ENTRY).
extern "C" void run_odr_sse2(odr_result* out);
extern "C" void run_odr_avx2(odr_result* out);
extern "C" void run_odr_avx512(odr_result* out);
