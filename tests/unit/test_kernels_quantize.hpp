// Shared checks of the tests/unit/test_kernels_quantize*.cpp files:
// kernels::quantize / kernels::dequantize on this binary's ISA
// (xsimd::default_arch) against the scalar oracle reference/quantize.hpp,
// byte for byte, including the bytes they must leave untouched.
#pragma once

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "lowbit/kernels/quantize.hpp"
#include "lowbit/lowbit.hpp"
#include "lowbit/reference/quantize.hpp"

namespace lowbit_kq {

using lowbit::Scheme;

/// Input fills, adversarial ones included.
enum class fill {
  gaussian,
  zeros,
  constant_groups,  // runs of 7 equal values
  outlier,          // small values and one huge element per row
  near_fp16_max,    // +-[30000, 60000]
  tiny,             // +-[1e-7, 1e-6]
  subnormal,        // +-[1e-41, 1e-39]
  mixed_signs,      // uniform in [-3, 5]
  alternating,      // +a, -a, +a, ...
  positive_offset,  // [1000, 1001]
};
inline constexpr fill all_fills[] = {
    fill::gaussian, fill::zeros,     fill::constant_groups, fill::outlier,     fill::near_fp16_max,
    fill::tiny,     fill::subnormal, fill::mixed_signs,     fill::alternating, fill::positive_offset};

inline const char* name(fill f) {
  switch (f) {
    case fill::gaussian:
      return "gaussian";
    case fill::zeros:
      return "zeros";
    case fill::constant_groups:
      return "constant_groups";
    case fill::outlier:
      return "outlier";
    case fill::near_fp16_max:
      return "near_fp16_max";
    case fill::tiny:
      return "tiny";
    case fill::subnormal:
      return "subnormal";
    case fill::mixed_signs:
      return "mixed_signs";
    case fill::alternating:
      return "alternating";
    case fill::positive_offset:
      return "positive_offset";
  }
  return "?";
}

inline std::vector<float> make(fill f, std::size_t rows, std::size_t cols, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u01(0.0f, 1.0f);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  auto sign = [&] { return u01(rng) < 0.5f ? -1.0f : 1.0f; };
  std::vector<float> v(rows * cols);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      float& x = v[r * cols + c];
      switch (f) {
        case fill::gaussian:
          x = u01(rng) < 0.005f ? 20.0f * nd(rng) : nd(rng);
          break;
        case fill::zeros:
          x = 0.0f;
          break;
        case fill::constant_groups:
          x = static_cast<float>(static_cast<int>((r * cols + c) / 7 % 5) - 2) * 0.75f;
          break;
        case fill::outlier:
          x = c == (r * 13) % cols ? 1.0e4f : sign() * u01(rng) * 1.0e-2f;
          break;
        case fill::near_fp16_max:
          x = sign() * (30000.0f + 30000.0f * u01(rng));
          break;
        case fill::tiny:
          x = sign() * (1.0e-7f + 9.0e-7f * u01(rng));
          break;
        case fill::subnormal:
          x = sign() * (1.0e-41f + 1.0e-39f * u01(rng));
          break;
        case fill::mixed_signs:
          x = -3.0f + 8.0f * u01(rng);
          break;
        case fill::alternating:
          x = (c % 2 ? -1.0f : 1.0f) * 0.375f;
          break;
        case fill::positive_offset:
          x = 1000.0f + u01(rng);
          break;
      }
    }
  }
  return v;
}

inline constexpr std::byte sentinel{0xA5};
inline constexpr std::size_t guard_bytes = 64;  // past the layout's end, must stay untouched

/// A blob (matrix_layout<S> blob layout plus a guard) filled with the sentinel.
template <Scheme S>
std::vector<std::byte> sentinel_blob(std::size_t rows, std::size_t cols) {
  const lowbit::matrix_layout<S> l{rows, cols};
  return std::vector<std::byte>(l.total_bytes() + guard_bytes, sentinel);
}

inline bool all_sentinel(const std::vector<std::byte>& b) {
  for (std::byte x : b)
    if (x != sentinel) return false;
  return true;
}

inline std::size_t first_difference(const void* a, const void* b, std::size_t n) {
  const auto* pa = static_cast<const unsigned char*>(a);
  const auto* pb = static_cast<const unsigned char*>(b);
  for (std::size_t i = 0; i < n; ++i)
    if (pa[i] != pb[i]) return i;
  return n;
}

/// The outcome of one quantize call into a sentinel-filled blob.
struct quantize_outcome {
  std::vector<std::byte> blob;
  std::string error;  // empty if it did not throw
};

template <Scheme S, bool Simd>
quantize_outcome run_quantize(const float* x, std::size_t rows, std::size_t cols, std::uint64_t seed) {
  quantize_outcome o{sentinel_blob<S>(rows, cols), {}};
  const auto view = lowbit::quantized_view<S>::from_blob(rows, cols, o.blob.data(), o.blob.size());
  try {
    if constexpr (Simd)
      lowbit::kernels::quantize<S>(x, rows, cols, view, lowbit::quantize_options{seed});
    else
      lowbit::reference::quantize<S>(x, rows, cols, view, lowbit::quantize_options{seed});
  } catch (const lowbit::error& e) {
    o.error = e.what();
  }
  return o;
}

/// Dequantizes a blob into rows * cols floats followed by guard floats of -7.25.
template <Scheme S, bool Simd>
std::vector<float> run_dequantize(const std::vector<std::byte>& blob, std::size_t rows, std::size_t cols) {
  const auto q = lowbit::const_quantized_view<S>::from_blob(rows, cols, blob.data(), blob.size());
  std::vector<float> out(rows * cols + 17, -7.25f);
  if constexpr (Simd)
    lowbit::kernels::dequantize<S>(q, out.data());
  else
    lowbit::reference::dequantize<S>(q, out.data());
  return out;
}

/// Requires the kernel's quantize outcome to equal the reference's byte for byte
/// (on error: the same message and an untouched blob).
inline void require_same(const quantize_outcome& ref, const quantize_outcome& simd) {
  REQUIRE(simd.error == ref.error);
  if (!ref.error.empty()) {
    CHECK(all_sentinel(simd.blob));
    return;
  }
  REQUIRE(simd.blob.size() == ref.blob.size());
  const std::size_t at = first_difference(ref.blob.data(), simd.blob.data(), ref.blob.size());
  REQUIRE_MESSAGE(at == ref.blob.size(), "quantize: first differing blob byte ", at, " of ", ref.blob.size());
}

inline void require_same(const std::vector<float>& ref, const std::vector<float>& simd) {
  REQUIRE(simd.size() == ref.size());
  const std::size_t at = first_difference(ref.data(), simd.data(), ref.size() * sizeof(float)) / sizeof(float);
  REQUIRE_MESSAGE(at == ref.size(), "dequantize: first differing float ", at, " of ", ref.size());
}

/// Quantizes x with the reference and the kernel and requires the same bytes
/// (or the same error, with nothing written); then dequantizes the reference's
/// result both ways and requires the same bits, guard floats untouched.
template <Scheme S>
void check_against_reference(const std::vector<float>& x, std::size_t rows, std::size_t cols, std::uint64_t seed,
                             const char* what) {
  CAPTURE(what);
  CAPTURE(rows);
  CAPTURE(cols);
  const auto ref = run_quantize<S, false>(x.data(), rows, cols, seed);
  require_same(ref, run_quantize<S, true>(x.data(), rows, cols, seed));
  if (ref.error.empty())
    require_same(run_dequantize<S, false>(ref.blob, rows, cols), run_dequantize<S, true>(ref.blob, rows, cols));
}

/// Random code words (every bit pattern, padding included) with the stored
/// parameters of a real quantization: dequantize must match the reference.
template <Scheme S>
void check_dequantize_random_codes(std::size_t rows, std::size_t cols, std::uint32_t seed) {
  CAPTURE(rows);
  CAPTURE(cols);
  const auto x = make(fill::mixed_signs, rows, cols, seed);
  auto q = run_quantize<S, false>(x.data(), rows, cols, 0);
  REQUIRE(q.error.empty());
  std::mt19937 rng(seed);
  const lowbit::matrix_layout<S> l{rows, cols};
  for (std::size_t i = 0; i < l.code_bytes(); ++i) q.blob[i] = static_cast<std::byte>(rng());
  require_same(run_dequantize<S, false>(q.blob, rows, cols), run_dequantize<S, true>(q.blob, rows, cols));
}

struct shape {
  std::size_t rows, cols;
};
inline constexpr shape shapes[] = {{1, 1}, {3, 37}, {5, 512}, {2, 1000}, {4, 1537}};
inline constexpr std::uint64_t seed = 0x0123456789abcdefull;

inline std::vector<float> with_value_at(std::vector<float> x, std::size_t at, float v) {
  x[at] = v;
  return x;
}

/// Every fill on every shape, the empty shapes, NaN / Inf at several
/// positions (same error, nothing written), and random codes.
template <Scheme S>
void check_scheme() {
  CAPTURE(S::bits);
  std::uint32_t data_seed = 11;
  for (const shape sh : shapes) {
    for (const fill f : all_fills) {
      const auto x = make(f, sh.rows, sh.cols, data_seed++);
      check_against_reference<S>(x, sh.rows, sh.cols, seed, name(f));
    }
  }
  const std::vector<float> none;
  check_against_reference<S>(none, 0, 9, seed, "0 rows");
  check_against_reference<S>(none, 9, 0, seed, "0 cols");

  const std::size_t rows = 3, cols = 77;
  const auto x = make(fill::gaussian, rows, cols, 5);
  const float bad_values[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity()};
  const std::size_t positions[] = {0, 1, 16, 40, cols - 1, cols, 2 * cols + 50, rows * cols - 1};
  for (const float bad : bad_values) {
    for (const std::size_t at : positions) {
      CAPTURE(at);
      const auto ref = run_quantize<S, false>(with_value_at(x, at, bad).data(), rows, cols, seed);
      REQUIRE(!ref.error.empty());
      require_same(ref, run_quantize<S, true>(with_value_at(x, at, bad).data(), rows, cols, seed));
    }
  }
  check_dequantize_random_codes<S>(3, 1100, data_seed);
}

// Scheme lists: the zero-point / mode axis, and a loop over bits 1..8.
template <int B, class Gran, class Scale, class Round>
using sym = lowbit::scheme<lowbit::bits<B>, lowbit::symmetric, Gran, lowbit::scale<Scale>, Round>;
template <int B, class Gran, class Scale, class Round>
using asym_int = lowbit::scheme<lowbit::bits<B>, lowbit::asymmetric, Gran, lowbit::scale<Scale>, Round>;
template <int B, class Gran, class Scale, class Round>
using asym_f32 =
    lowbit::scheme<lowbit::bits<B>, lowbit::asymmetric, Gran, lowbit::scale<Scale>, lowbit::zero_point<float>, Round>;
template <int B, class Gran, class Scale, class Round>
using asym_f16 = lowbit::scheme<lowbit::bits<B>, lowbit::asymmetric, Gran, lowbit::scale<Scale>,
                                lowbit::zero_point<lowbit::fp16>, Round>;

template <int K>
using scale_at = std::tuple_element_t<static_cast<std::size_t>(K % 3), std::tuple<float, lowbit::fp16, lowbit::bf16>>;

/// check_scheme for every bits 1..8 x {symmetric, asymmetric with an integer
/// zero point, with a float offset, with an fp16 offset}, for one granularity
/// and rounding. The scale type (float, fp16, bf16) rotates with the bits, the
/// mode and `Rotation`, so every scale type meets every bit width, mode,
/// granularity and rounding without compiling the full product (the scale type
/// only enters the scalar group_params code the kernels share with the reference).
template <class Gran, class Round, int Rotation>
void check_all_schemes() {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (
        [&] {
          constexpr int B = I + 1;
          check_scheme<sym<B, Gran, scale_at<B + Rotation>, Round>>();
          check_scheme<asym_int<B, Gran, scale_at<B + Rotation + 1>, Round>>();
          check_scheme<asym_f32<B, Gran, scale_at<B + Rotation + 2>, Round>>();
          check_scheme<asym_f16<B, Gran, scale_at<B + Rotation + 3 + B / 4>, Round>>();
        }(),
        ...);
  }
  (std::make_integer_sequence<int, 8>{});
}

template <int K>
using granularity_at =
    std::tuple_element_t<static_cast<std::size_t>(K % 4), std::tuple<lowbit::per_tensor, lowbit::per_channel,
                                                                     lowbit::per_group<32>, lowbit::per_group<7>>>;

/// check_scheme with stochastic rounding for every bits 1..8 x zero-point kind;
/// granularity and scale type rotate (each granularity meets every mode twice).
inline void check_stochastic_schemes() {
  using R = lowbit::stochastic_rounding;
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (
        [&] {
          constexpr int B = I + 1;
          check_scheme<sym<B, granularity_at<B>, scale_at<B>, R>>();
          check_scheme<asym_int<B, granularity_at<B + 1>, scale_at<B + 1>, R>>();
          check_scheme<asym_f32<B, granularity_at<B + 2>, scale_at<B + 2>, R>>();
          check_scheme<asym_f16<B, granularity_at<B + 3>, scale_at<B + 3 + B / 4>, R>>();
        }(),
        ...);
  }
  (std::make_integer_sequence<int, 8>{});
}

}  // namespace lowbit_kq
