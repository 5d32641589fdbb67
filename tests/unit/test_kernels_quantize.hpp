// Shared code of the tests/unit/test_kernels_quantize*.cpp files:
// kernels::quantize / kernels::dequantize on this binary's ISA
// (xsimd::default_arch) against the scalar oracle reference/quantize.hpp,
// byte for byte, including the bytes they must leave untouched.
//
// The schemes (indices below, the code word type rotating through all of them):
//   round to nearest even: the full product bits 1..8 x zero-point kind
//     (symmetric; asymmetric with a uint8 zero point, an fp32, fp16 or bf16
//     offset) x granularity (per_tensor, per_channel, per_group<32>,
//     per_group<7>) x scale type (float, fp16, bf16): 480 schemes, one
//     test_kernels_quantize_<granularity>_<scale>.cpp per granularity x scale type;
//     per_group<48> (a multiple of 16 lanes, not of 32): every zero-point
//     kind x scale type, bits rotating: 15 schemes;
//   stochastic rounding: every bits x zero-point kind, granularity and scale
//     type rotating: 40 schemes.
// Without LOWBIT_TEST_FULL_PRODUCT (every binary but unit.avx512, see
// tests/CMakeLists.txt) a subset: every bits x zero-point kind once with
// granularity and scale type rotating (40, every pair of indices occurs), 5
// per_group<48> and 8 stochastic schemes.
// Every scheme gets the whole battery of test_kernels_quantize_checks.cpp.
//
// Compile time: a scheme costs one instantiation of the four entry points
// (kernel and reference quantize and dequantize), which describe<S>() wraps in
// plain function pointers; the checks are ordinary functions, compiled once
// per binary in test_kernels_quantize_checks.cpp.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "lowbit/kernels/quantize.hpp"
#include "lowbit/lowbit.hpp"
#include "lowbit/reference/quantize.hpp"
#include "support/test_data.hpp"

namespace lowbit_kq {

using lowbit::Scheme;

inline constexpr std::byte sentinel{0xA5};
inline constexpr std::size_t guard_bytes = 64;   // past the layout's end, must stay untouched
inline constexpr std::size_t guard_floats = 17;  // past a dequantized matrix, must stay untouched
inline constexpr float guard_float = -7.25f;

/// The outcome of one quantize call into a sentinel-filled blob
/// (matrix_layout<S> blob layout plus guard_bytes).
struct quantize_outcome {
  std::vector<std::byte> blob;
  std::string error;  // empty if it did not throw
};

/// Where the three arrays of a rows x cols matrix lie in its blob.
struct blob_layout {
  std::size_t code_bytes, scales_offset, scale_bytes, zero_points_offset, zero_point_bytes, total_bytes;
  std::size_t params_count;
};

template <Scheme S>
blob_layout layout_of(std::size_t rows, std::size_t cols) {
  const lowbit::matrix_layout<S> l{rows, cols};
  return {l.code_bytes(),       l.scales_offset(), l.scale_bytes(), l.zero_points_offset(),
          l.zero_point_bytes(), l.total_bytes(),   l.params_count()};
}

template <Scheme S, bool Kernel>
quantize_outcome run_quantize(const float* x, std::size_t rows, std::size_t cols, std::uint64_t seed) {
  const lowbit::matrix_layout<S> l{rows, cols};
  quantize_outcome o{std::vector<std::byte>(l.total_bytes() + guard_bytes, sentinel), {}};
  const auto view = lowbit::quantized_view<S>::from_blob(rows, cols, o.blob.data(), o.blob.size());
  try {
    if constexpr (Kernel)
      lowbit::kernels::quantize<S>(x, rows, cols, view, lowbit::quantize_options{seed});
    else
      lowbit::reference::quantize<S>(x, rows, cols, view, lowbit::quantize_options{seed});
  } catch (const lowbit::error& e) {
    o.error = e.what();
  }
  return o;
}

/// Dequantizes a blob into rows * cols floats followed by guard_floats guard floats.
template <Scheme S, bool Kernel>
std::vector<float> run_dequantize(const std::vector<std::byte>& blob, std::size_t rows, std::size_t cols) {
  const auto q = lowbit::const_quantized_view<S>::from_blob(rows, cols, blob.data(), blob.size());
  std::vector<float> out(rows * cols + guard_floats, guard_float);
  if constexpr (Kernel)
    lowbit::kernels::dequantize<S>(q, out.data());
  else
    lowbit::reference::dequantize<S>(q, out.data());
  return out;
}

/// What the checks need to know of a scheme, and its entry points.
struct scheme_under_test {
  std::string name;              // the scheme's tags, for failure messages
  std::size_t group_length = 0;  // G of per_group<G>, 0 for per_tensor / per_channel
  bool fp16_scale = false;       // scale<fp16>
  bool fp16_offset = false;      // zero_point<fp16>
  blob_layout (*layout)(std::size_t rows, std::size_t cols);
  quantize_outcome (*quantize_reference)(const float*, std::size_t, std::size_t, std::uint64_t);
  quantize_outcome (*quantize_kernel)(const float*, std::size_t, std::size_t, std::uint64_t);
  std::vector<float> (*dequantize_reference)(const std::vector<std::byte>&, std::size_t, std::size_t);
  std::vector<float> (*dequantize_kernel)(const std::vector<std::byte>&, std::size_t, std::size_t);
};

/// "bits<3> asymmetric zero_point<fp16> per_group<7> scale<bf16> code_word<uint16_t> round_to_nearest_even"
std::string scheme_name(int bits, bool symmetric, const char* zero_point, int granularity, std::size_t group_size,
                        const char* scale, std::size_t word_bytes, bool stochastic);

template <class T>
const char* type_name() {
  if constexpr (std::is_same_v<T, std::uint8_t>)
    return "uint8_t";
  else if constexpr (std::is_same_v<T, float>)
    return "float";
  else if constexpr (std::is_same_v<T, lowbit::fp16>)
    return "fp16";
  else if constexpr (std::is_same_v<T, lowbit::bf16>)
    return "bf16";
  else
    return "";
}

template <Scheme S>
scheme_under_test describe() {
  return {
      scheme_name(S::bits, S::is_symmetric, type_name<typename S::zero_point_type>(), static_cast<int>(S::granularity),
                  S::group_size, type_name<typename S::scale_type>(), sizeof(typename S::word_type), S::is_stochastic) +
          (S::is_full_range ? " (symmetric_full_range)" : "") + (S::is_search ? " mse_search" : ""),
      S::group_size,
      std::is_same_v<typename S::scale_type, lowbit::fp16>,
      std::is_same_v<typename S::zero_point_type, lowbit::fp16>,
      &layout_of<S>,
      &run_quantize<S, false>,
      &run_quantize<S, true>,
      &run_dequantize<S, false>,
      &run_dequantize<S, true>};
}

/// Runs the battery (test_kernels_quantize_checks.cpp) on every scheme of the
/// list: random and adversarial data on several shapes, NaN / Inf at several
/// positions, empty shapes, random code words. Reports the first mismatch of
/// each scheme and goes on with the next one.
void check_schemes(const std::vector<scheme_under_test>& schemes);

// ---- The schemes ----
//
// A scheme is named by indices: bits B in 1..8, zero-point kind Z, granularity
// G, scale type Sc; the code word type is a function of them (word_index).

/// Zero-point kind Z: 0 symmetric, else asymmetric with a uint8_t zero point
/// (1) or an fp32 (2), fp16 (3) or bf16 (4) offset.
inline constexpr int zero_point_kinds = 5;
template <int Z>
using zero_point_type_at = std::tuple_element_t<static_cast<std::size_t>(Z),
                                                std::tuple<void, std::uint8_t, float, lowbit::fp16, lowbit::bf16>>;

/// Scale type index: 0 float, 1 fp16, 2 bf16.
template <int K>
using scale_type_at = std::tuple_element_t<static_cast<std::size_t>(K), std::tuple<float, lowbit::fp16, lowbit::bf16>>;

/// Granularity index: 0 per_tensor, 1 per_channel, 2 per_group<32>, 3 per_group<7>, 4 per_group<48>.
template <int K>
using granularity_at = std::tuple_element_t<static_cast<std::size_t>(K),
                                            std::tuple<lowbit::per_tensor, lowbit::per_channel, lowbit::per_group<32>,
                                                       lowbit::per_group<7>, lowbit::per_group<48>>>;

/// Code word index: 0 uint8_t, 1 uint16_t, 2 uint32_t, 3 uint64_t. It
/// rotates with bits, granularity and scale type (not with the zero-point
/// kind: a product slice then packs 8 bits x word pairs, not 32) so that each
/// word type meets every zero-point kind within each product slice, every
/// bits x zero-point kind pair across the full product, and every pair of
/// indices within the rotating subset (checked below).
constexpr int word_index(int bits, int g, int s) {
  return (bits + g + 3 * s) % 4;
}
template <int K>
using word_type_at = std::tuple_element_t<static_cast<std::size_t>(K),
                                          std::tuple<std::uint8_t, std::uint16_t, std::uint32_t, std::uint64_t>>;

template <int B, int Z, int G, int Sc, class Round>
struct scheme_at_impl {
  using type =
      lowbit::scheme<lowbit::bits<B>, lowbit::asymmetric, lowbit::zero_point<zero_point_type_at<Z>>, granularity_at<G>,
                     lowbit::scale<scale_type_at<Sc>>, lowbit::code_word<word_type_at<word_index(B, G, Sc)>>, Round>;
};
template <int B, int G, int Sc, class Round>
struct scheme_at_impl<B, 0, G, Sc, Round> {
  using type = lowbit::scheme<lowbit::bits<B>, lowbit::symmetric, granularity_at<G>, lowbit::scale<scale_type_at<Sc>>,
                              lowbit::code_word<word_type_at<word_index(B, G, Sc)>>, Round>;
};
template <int B, int Z, int G, int Sc, class Round = lowbit::round_to_nearest_even>
using scheme_at = typename scheme_at_impl<B, Z, G, Sc, Round>::type;

/// The rotating subset: one scheme per bits x zero-point kind, granularity
/// (of the first four) and scale type rotating so that every pair of indices
/// occurs (checked below).
constexpr int rotating_granularity(int bits, int z) {
  return (bits + z) % 4;
}
constexpr int rotating_scale(int bits, int z) {
  return (bits + 2 * z) % 3;
}
constexpr bool in_rotating_subset(int bits, int z, int g, int s) {
  return g == rotating_granularity(bits, z) && s == rotating_scale(bits, z);
}

/// per_group<48> (granularity 4): every zero-point kind x scale type once,
/// bits rotating; the sanitizer build keeps five of them (every kind and scale type).
constexpr bool in_group48_set(int bits, int z, int s) {
  return bits == (z + 2 * s) % 8 + 1;
}
constexpr bool in_group48_subset(int bits, int z, int s) {
  return in_group48_set(bits, z, s) && (z + s) % 3 == 0;
}

#ifdef LOWBIT_TEST_FULL_PRODUCT
inline constexpr bool full_product = true;
#else
inline constexpr bool full_product = false;
#endif

/// Whether this build compiles round-to-nearest-even scheme (bits, z, g, s):
/// the full product (and the per_group<48> set) with LOWBIT_TEST_FULL_PRODUCT,
/// else the rotating subset and five per_group<48> schemes.
constexpr bool compiled(int bits, int z, int g, int s) {
  if (g == 4) return full_product ? in_group48_set(bits, z, s) : in_group48_subset(bits, z, s);
  return full_product || in_rotating_subset(bits, z, g, s);
}

/// Stochastic rounding: every bits x zero-point kind once, granularity (all
/// five) and scale type rotating; the sanitizer build keeps one per bits value.
constexpr int stochastic_granularity(int bits, int z) {
  return (bits + z) % 5;
}
constexpr bool stochastic_compiled(int bits, int z) {
  return full_product || z == 2 * bits % zero_point_kinds;
}

// ---- Coverage of the rotations, checked at compile time ----

/// A row of indices: {bits, zero-point kind, granularity, scale type, code word}.
struct index_row {
  int value[5];
};
inline constexpr int index_limit[5] = {9, zero_point_kinds, 5, 3, 4};  // bits are 1..8, the others from 0

/// Calls f(row) for each (bits, z, g, s) that take(bits, z, g, s) accepts.
template <class Take, class F>
constexpr void for_each_row(Take take, F f) {
  for (int b = 1; b <= 8; ++b)
    for (int z = 0; z < zero_point_kinds; ++z)
      for (int g = 0; g < 5; ++g)
        for (int s = 0; s < 3; ++s)
          if (take(b, z, g, s)) f(index_row{{b, z, g, s, word_index(b, g, s)}});
}

/// Every value of index i (granularities below g_count) occurs among the accepted rows.
template <class Take>
constexpr bool every_value_occurs(Take take, int i, int g_count = 5) {
  bool seen[9] = {};
  for_each_row(take, [&](index_row r) { seen[r.value[i]] = true; });
  const int limit = i == 2 ? g_count : index_limit[i];
  for (int v = i == 0 ? 1 : 0; v < limit; ++v)
    if (!seen[v]) return false;
  return true;
}

/// Every value of index i meets every value of index j among the accepted rows.
template <class Take>
constexpr bool every_pair_occurs(Take take, int i, int j, int g_count = 5) {
  bool seen[9][9] = {};
  for_each_row(take, [&](index_row r) { seen[r.value[i]][r.value[j]] = true; });
  const int limit_i = i == 2 ? g_count : index_limit[i], limit_j = j == 2 ? g_count : index_limit[j];
  for (int a = i == 0 ? 1 : 0; a < limit_i; ++a)
    for (int c = j == 0 ? 1 : 0; c < limit_j; ++c)
      if (!seen[a][c]) return false;
  return true;
}

// The rotating subset: every pair of bits, kind, granularity (of four), scale type and word.
static_assert([] {
  auto subset = [](int b, int z, int g, int s) { return g < 4 && in_rotating_subset(b, z, g, s); };
  for (int i = 0; i < 5; ++i)
    for (int j = i + 1; j < 5; ++j)
      if (!every_pair_occurs(subset, i, j, 4)) return false;
  return true;
}());
// Each product slice (one granularity and scale type): every word with every kind.
static_assert([] {
  for (int g = 0; g < 4; ++g)
    for (int s = 0; s < 3; ++s) {
      auto slice = [g, s](int, int, int g2, int s2) { return g2 == g && s2 == s; };
      if (!every_pair_occurs(slice, 1, 4)) return false;
    }
  return true;
}());
// The full product: every bits x zero-point kind pair with every word.
static_assert([] {
  bool seen[9][zero_point_kinds][4] = {};
  for_each_row([](int, int, int g, int) { return g < 4; },
               [&](index_row r) { seen[r.value[0]][r.value[1]][r.value[4]] = true; });
  for (int b = 1; b <= 8; ++b)
    for (int z = 0; z < zero_point_kinds; ++z)
      for (int w = 0; w < 4; ++w)
        if (!seen[b][z][w]) return false;
  return true;
}());
// per_group<48>: every kind x scale type, every bits value and word; the
// sanitizer's five: every kind and scale type.
static_assert([] {
  auto set = [](int b, int z, int g, int s) { return g == 4 && in_group48_set(b, z, s); };
  auto subset = [](int b, int z, int g, int s) { return g == 4 && in_group48_subset(b, z, s); };
  return every_pair_occurs(set, 1, 3) && every_value_occurs(set, 0) && every_value_occurs(set, 4) &&
         every_value_occurs(subset, 1) && every_value_occurs(subset, 3);
}());
// Stochastic rounding: every granularity x scale type and every kind with
// every granularity and scale type; the sanitizer's eight: every value of each index.
static_assert([] {
  auto set = [](int b, int z, int g, int s) { return g == stochastic_granularity(b, z) && s == rotating_scale(b, z); };
  auto subset = [set](int b, int z, int g, int s) { return set(b, z, g, s) && z == 2 * b % zero_point_kinds; };
  bool ok = every_pair_occurs(set, 2, 3) && every_pair_occurs(set, 1, 2) && every_pair_occurs(set, 1, 3) &&
            every_value_occurs(set, 4);
  for (int i = 0; i < 5; ++i) ok = ok && every_value_occurs(subset, i);
  return ok;
}());

/// The round-to-nearest-even schemes of granularity G and scale type Sc this build compiles.
template <int G, int Sc>
std::vector<scheme_under_test> product_slice() {
  std::vector<scheme_under_test> out;
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (
        [&] {
          constexpr int B = I / zero_point_kinds + 1, Z = I % zero_point_kinds;
          if constexpr (compiled(B, Z, G, Sc)) out.push_back(describe<scheme_at<B, Z, G, Sc>>());
        }(),
        ...);
  }
  (std::make_integer_sequence<int, 8 * zero_point_kinds>{});
  return out;
}

/// The stochastic-rounding schemes this build compiles.
inline std::vector<scheme_under_test> stochastic_schemes() {
  std::vector<scheme_under_test> out;
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (
        [&] {
          constexpr int B = I / zero_point_kinds + 1, Z = I % zero_point_kinds;
          if constexpr (stochastic_compiled(B, Z))
            out.push_back(describe<scheme_at<B, Z, stochastic_granularity(B, Z), rotating_scale(B, Z),
                                             lowbit::stochastic_rounding>>());
        }(),
        ...);
  }
  (std::make_integer_sequence<int, 8 * zero_point_kinds>{});
  return out;
}

}  // namespace lowbit_kq
