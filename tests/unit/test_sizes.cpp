// Size arithmetic at the edges of std::size_t: every constructor and entry
// point refuses dimensions whose sizes do not fit with lowbit::error "matrix
// is too large" (or that status from the try_ forms), never a wrapped size, a
// SIGFPE or std::length_error; and the largest dimensions that do fit are
// accepted with exact sizes. For every granularity and code word type.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "lowbit/lowbit.hpp"

namespace {

using namespace lowbit;

constexpr std::size_t size_max = std::numeric_limits<std::size_t>::max();
constexpr std::size_t ptrdiff_max = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max());

/// Exact (128-bit) total_bytes of a rows x cols matrix, computed from the
/// layout's definition independently of matrix_layout: whether it fits is
/// what the library must decide.
template <Scheme S>
bool fits_exactly(std::size_t rows, std::size_t cols) {
  __extension__ typedef unsigned __int128 u128;  // exact: no size below can wrap
  using L = packed_layout<S::bits, typename S::word_type>;
  const u128 elements = u128(rows) * cols;
  if (elements * sizeof(float) > ptrdiff_max) return false;
  if (rows == 0 || cols == 0) return true;
  const u128 row_words =
      u128(cols / L::block_codes) * L::block_words(L::block_codes) + L::block_words(cols % L::block_codes);
  const u128 code_bytes = row_words * rows * sizeof(typename S::word_type);
  u128 params = 1;
  if constexpr (S::granularity == granularity_kind::group)
    params = u128(rows) * ((u128(cols) + S::group_size - 1) / S::group_size);
  else if constexpr (S::granularity == granularity_kind::channel)
    params = rows;
  auto align64 = [](u128 v) { return (v + 63) / 64 * 64; };
  const u128 scales_offset = align64(code_bytes);
  const u128 zero_points_offset = align64(scales_offset + params * sizeof(typename S::scale_type));
  u128 total = zero_points_offset;
  if constexpr (S::has_zero_point) total += params * sizeof(typename S::zero_point_type);
  return code_bytes <= ptrdiff_max && total <= ptrdiff_max;
}

/// Every way to build something of size rows x cols refuses it with "too large", or accepts it.
template <Scheme S>
void check_dimensions(std::size_t rows, std::size_t cols) {
  CAPTURE(rows);
  CAPTURE(cols);
  const bool fits = fits_exactly<S>(rows, cols);
  CAPTURE(fits);
  const status st = matrix_layout<S>::validate(rows, cols);
  CHECK(st.ok() == fits);
  matrix_layout<S> l;
  const status made = matrix_layout<S>::try_make(rows, cols, l);
  CHECK(made.ok() == fits);
  if (!fits) {
    CHECK(st.message().find("lowbit: a " + std::to_string(rows) + "x" + std::to_string(cols) +
                            " matrix is too large") == 0);
    CHECK(made.message() == st.message());
    CHECK(l.rows() == 0);  // untouched
    CHECK_THROWS_WITH_AS(matrix_layout<S>(rows, cols), doctest::Contains("too large"), lowbit::error);
    CHECK_THROWS_WITH_AS(quantized_matrix<S>(rows, cols), doctest::Contains("too large"), lowbit::error);
    quantized_matrix<S> m;
    CHECK(quantized_matrix<S>::try_make(rows, cols, m).message() == st.message());
    // A blob of any size, even SIZE_MAX bytes (never dereferenced): refused on the dimensions.
    alignas(64) static std::byte blob[64];
    CHECK_THROWS_WITH_AS(const_quantized_view<S>::from_blob(rows, cols, blob, size_max), doctest::Contains("too large"),
                         lowbit::error);
    const_quantized_view<S> v;
    CHECK(const_quantized_view<S>::try_from_blob(rows, cols, blob, size_max, v).message() == st.message());
    CHECK(v.rows() == 0);
    if constexpr (S::has_zero_point) {
      CHECK_THROWS_WITH_AS(quantized_view<S>(rows, cols, reinterpret_cast<typename S::word_type*>(blob),
                                             reinterpret_cast<typename S::scale_type*>(blob),
                                             reinterpret_cast<typename S::zero_point_type*>(blob)),
                           doctest::Contains("too large"), lowbit::error);
    } else {
      CHECK_THROWS_WITH_AS(quantized_view<S>(rows, cols, reinterpret_cast<typename S::word_type*>(blob),
                                             reinterpret_cast<typename S::scale_type*>(blob)),
                           doctest::Contains("too large"), lowbit::error);
    }
  } else {
    // Fits: the sizes are the exact ones.
    CHECK(l.rows() == rows);
    CHECK(l.cols() == cols);
    CHECK(l.elements() == rows * cols);
    CHECK(l.total_bytes() >= l.code_bytes());
    // A blob smaller than total_bytes() is refused with the size message, not accepted.
    if (l.total_bytes() > 0) {
      alignas(64) static std::byte blob[64];
      const_quantized_view<S> v;
      const status small = const_quantized_view<S>::try_from_blob(rows, cols, blob, l.total_bytes() - 1, v);
      CHECK(small.message().find("smaller than") != std::string::npos);
    }
  }
}

template <Scheme S>
void check_edges() {
  // cols at and next to SIZE_MAX (the old check divided by cols + 64: SIGFPE at SIZE_MAX - 63).
  for (std::size_t k : {0u, 1u, 2u, 62u, 63u, 64u, 65u, 511u, 512u, 513u, 4096u})
    for (std::size_t rows : {std::size_t{0}, std::size_t{1}, std::size_t{2}}) {
      check_dimensions<S>(rows, size_max - k);
      check_dimensions<S>(size_max - k, rows == 0 ? 0 : 1);
    }
  // Around PTRDIFF_MAX, the largest object: elements * 4 bytes.
  for (std::size_t k : {0u, 1u, 2u, 3u, 4u, 5u}) {
    check_dimensions<S>(1, ptrdiff_max / 4 - k);
    check_dimensions<S>(1, ptrdiff_max / 4 + k);
    check_dimensions<S>(ptrdiff_max / 4 + k, 1);
  }
  // Products that overflow by one: rows * cols = 2^64 exactly, and just below.
  for (unsigned e : {1u, 16u, 32u, 33u, 40u, 63u}) {
    const std::size_t rows = std::size_t{1} << e, cols = std::size_t{1} << (64 - e);
    check_dimensions<S>(rows, cols);          // 2^64: wraps to 0
    check_dimensions<S>(rows, cols - 1);      // 2^64 - 2^e
    check_dimensions<S>(rows / 2, cols);      // 2^63
    check_dimensions<S>(rows / 2, cols / 8);  // 2^60: elements fit, bytes too large
  }
  // Large but fitting matrices, where only the parameter arrays or offsets are big.
  check_dimensions<S>(std::size_t{1} << 20, std::size_t{1} << 20);
  check_dimensions<S>(std::size_t{1} << 40, 1);
  check_dimensions<S>(1, std::size_t{1} << 40);
  check_dimensions<S>(3, 5);
  check_dimensions<S>(0, 0);
}

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;

}  // namespace

TEST_CASE("sizes: every granularity and word type refuses dimensions whose sizes overflow") {
  check_edges<scheme<bits<4>, per_tensor>>();
  check_edges<scheme<bits<4>, per_channel, code_word<u16>>>();
  check_edges<scheme<bits<3>, per_group<32>, scale<fp16>, code_word<u32>>>();
  check_edges<scheme<bits<1>, per_group<1>, code_word<u64>>>();
  check_edges<scheme<bits<8>, per_group<7>, code_word<u8>>>();
  check_edges<scheme<asymmetric, bits<5>, per_group<128>, code_word<u64>, zero_point<float>>>();
  check_edges<scheme<asymmetric, bits<2>, per_channel, zero_point<u32>>>();
  check_edges<scheme<asymmetric, bits<7>, per_tensor, scale<bf16>, code_word<u16>, zero_point<u8>>>();
  check_edges<scheme<asymmetric, bits<6>, per_group<1>, scale<float>, zero_point<u64>>>();
}

TEST_CASE("sizes: quantize and dequantize refuse a shape whose fp32 matrix would overflow") {
  using S = scheme<bits<4>, per_group<32>>;
  // A 1 x 10 view cannot stand for a 1 x SIZE_MAX input (shape mismatch), and
  // a view of 1 x SIZE_MAX cannot be built: the oversized shape never reaches a kernel.
  quantized_matrix<S> q(1, 10);
  std::vector<float> x(10, 1.0f);
  CHECK(!lowbit::try_quantize<S>(x.data(), 1, size_max, q.view()).ok());
  CHECK_THROWS_WITH_AS(lowbit::quantize<S>(x.data(), 1, size_max), doctest::Contains("too large"), lowbit::error);
  quantized_matrix<S> out;
  const status st = lowbit::try_quantize<S>(x.data(), size_max, size_max, out);
  CHECK(st.message().find("too large") != std::string::npos);
}

TEST_CASE("sizes: the row range of a sub-view is checked, with no overflow in r0 + n") {
  using S = scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>>;
  quantized_matrix<S> q(5, 70);
  auto v = q.view();
  for (auto [r0, r1] : {std::pair<std::size_t, std::size_t>{0, 6}, {3, 2}, {6, 6}, {size_max, 1}, {1, size_max}}) {
    CAPTURE(r0);
    CAPTURE(r1);
    quantized_view<S> part;
    const status st = v.try_rows(r0, r1, part);
    CHECK(st.message().find("outside the 5 rows") != std::string::npos);
    CHECK_THROWS_WITH_AS((void)v.rows(r0, r1), doctest::Contains("outside the 5 rows"), lowbit::error);
  }
  CHECK(v.rows(5, 5).empty());
  CHECK(v.rows(0, 5).rows() == 5);
}
