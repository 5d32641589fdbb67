// lowbit: public bulk conversion between fp32 and fp16 / bf16 (activations,
// weights). Runs the SIMD kernels of kernels/convert.hpp for the ISA the
// including translation unit is compiled for (xsimd::default_arch); the results
// are bit-identical to the scalar fp16 / bf16 conversions on every ISA.
//
// Each function is a template on Arch only so that translation units built
// with different -m flags get distinct symbols (a plain inline function would
// be one weak symbol, whichever ISA the linker keeps); call it without
// template arguments: lowbit::convert(in, n, out).
#pragma once

#include <cstddef>

#include "lowbit/config.hpp"
#include "lowbit/kernels/convert.hpp"
#include "lowbit/types/float16.hpp"

namespace LOWBIT_NS {

/// out[i] = fp16(in[i]) for i < n: round to nearest even, |x| >= 65520 to +-Inf,
/// NaN to a quiet NaN with the top 10 payload bits (exactly fp16::from_float).
/// n == 0 does nothing; a null pointer (n > 0), or one not aligned to its
/// element (4 bytes for float, 2 for fp16), is refused before any write
/// (try_convert returns the status, convert throws lowbit::error). No wider alignment is needed. in and out must not
/// overlap.
template <class Arch = xsimd::default_arch>
status try_convert(const float* in, std::size_t n, fp16* out) {
  return kernels::try_convert<float, fp16, Arch>(in, n, out);
}
template <class Arch = xsimd::default_arch>
void convert(const float* in, std::size_t n, fp16* out) {
  kernels::convert<float, fp16, Arch>(in, n, out);
}

/// out[i] = bf16(in[i]) for i < n: round to nearest even (float subnormals
/// too, they are not flushed), overflow to +-Inf, NaN to a quiet NaN with the
/// top 7 payload bits (exactly bf16(float)). Pointers as for float -> fp16.
template <class Arch = xsimd::default_arch>
status try_convert(const float* in, std::size_t n, bf16* out) {
  return kernels::try_convert<float, bf16, Arch>(in, n, out);
}
template <class Arch = xsimd::default_arch>
void convert(const float* in, std::size_t n, bf16* out) {
  kernels::convert<float, bf16, Arch>(in, n, out);
}

/// out[i] = float(in[i]) for i < n, exact (NaN payloads kept, not quieted).
/// Pointers as for float -> fp16.
template <class Arch = xsimd::default_arch>
status try_convert(const fp16* in, std::size_t n, float* out) {
  return kernels::try_convert<fp16, float, Arch>(in, n, out);
}
template <class Arch = xsimd::default_arch>
void convert(const fp16* in, std::size_t n, float* out) {
  kernels::convert<fp16, float, Arch>(in, n, out);
}

/// out[i] = float(in[i]) for i < n, exact (the bits shifted left by 16).
/// Pointers as for float -> fp16.
template <class Arch = xsimd::default_arch>
status try_convert(const bf16* in, std::size_t n, float* out) {
  return kernels::try_convert<bf16, float, Arch>(in, n, out);
}
template <class Arch = xsimd::default_arch>
void convert(const bf16* in, std::size_t n, float* out) {
  kernels::convert<bf16, float, Arch>(in, n, out);
}

}  // namespace LOWBIT_NS
