// quantized_view / quantized_matrix: construction checks over caller memory.
#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <vector>

#include "lowbit/lowbit.hpp"

using namespace lowbit;

TEST_CASE("views refuse null, misaligned and too-small caller memory") {
  using A = scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>, code_word<std::uint32_t>>;
  const matrix_layout<A> l{4, 100};
  alignas(64) std::vector<std::byte> blob(l.total_bytes() + 64);
  auto* base = blob.data();
  CHECK_NOTHROW(quantized_view<A>::from_blob(4, 100, base, l.total_bytes()));
  CHECK_THROWS_WITH_AS(quantized_view<A>::from_blob(4, 100, base, l.total_bytes() - 1),
                       doctest::Contains("smaller than"), lowbit::error);
  CHECK_THROWS_WITH_AS(quantized_view<A>::from_blob(4, 100, base + 2, l.total_bytes()),
                       doctest::Contains("codes pointer is not aligned to 4 bytes"), lowbit::error);

  std::vector<std::uint32_t> codes(l.code_words());
  std::vector<fp16> scales(l.params_count());
  std::vector<std::uint8_t> zeros(l.zero_points_count());
  CHECK_NOTHROW(quantized_view<A>(4, 100, codes.data(), scales.data(), zeros.data()));
  CHECK_THROWS_WITH_AS(quantized_view<A>(4, 100, nullptr, scales.data(), zeros.data()),
                       doctest::Contains("codes pointer is null"), lowbit::error);
  CHECK_THROWS_WITH_AS(quantized_view<A>(4, 100, codes.data(), scales.data(), nullptr),
                       doctest::Contains("zero points pointer is null"), lowbit::error);
  auto* odd_scales = reinterpret_cast<fp16*>(reinterpret_cast<std::byte*>(scales.data()) + 1);
  CHECK_THROWS_WITH_AS(quantized_view<A>(4, 100, codes.data(), odd_scales, zeros.data()),
                       doctest::Contains("scales pointer is not aligned to 2 bytes"), lowbit::error);

  using S = scheme<bits<4>, per_channel>;
  std::vector<std::uint8_t> c8(matrix_layout<S>{2, 10}.code_words());
  std::vector<float> s32(2);
  // A symmetric scheme has no zero-point array: no constructor takes one.
  static_assert(
      !std::is_constructible_v<quantized_view<S>, std::size_t, std::size_t, std::uint8_t*, float*, std::byte*>);
  static_assert(std::is_constructible_v<quantized_view<S>, std::size_t, std::size_t, std::uint8_t*, float*>);
  // uint8 words have no alignment requirement: any byte offset works.
  std::vector<std::uint8_t> shifted(c8.size() + 1);
  CHECK_NOTHROW(quantized_view<S>(2, 10, shifted.data() + 1, s32.data()));
  // Empty matrices need no memory at all.
  CHECK_NOTHROW(quantized_view<S>(0, 10, nullptr, nullptr));
}

TEST_CASE("sizes that overflow size_t are refused, not wrapped") {
  using S = scheme<bits<8>, per_channel>;
  const std::size_t huge = std::size_t{1} << 62;
  alignas(64) std::byte buf[64];
  CHECK_THROWS_WITH_AS(quantized_view<S>::from_blob(huge, 4, buf, sizeof buf), doctest::Contains("too large"),
                       lowbit::error);
  CHECK_THROWS_WITH_AS(quantized_matrix<S>(huge, 4), doctest::Contains("too large"), lowbit::error);
}

TEST_CASE("a view over a blob and an owning matrix hold the same bytes") {
  using S = scheme<asymmetric, bits<5>, per_group<32>, scale<bf16>, zero_point<fp16>>;
  std::vector<float> x(3 * 77);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * float(i)) * 3.0f;
  const matrix_layout<S> l{3, 77};
  alignas(64) std::vector<std::byte> blob(l.total_bytes());
  auto v = quantized_view<S>::from_blob(3, 77, blob.data(), blob.size());
  lowbit::quantize<S>(x.data(), 3, 77, v);
  const auto q = lowbit::quantize<S>(x.data(), 3, 77);
  CHECK(std::memcmp(blob.data(), q.codes().data(), l.code_bytes()) == 0);
  CHECK(std::memcmp(blob.data() + l.scales_offset(), q.scales().data(), l.scale_bytes()) == 0);
  if constexpr (S::has_zero_point)
    CHECK(std::memcmp(blob.data() + l.zero_points_offset(), q.zero_points().data(), l.zero_point_bytes()) == 0);
  std::vector<float> a(x.size()), b(x.size());
  lowbit::dequantize<S>(const_quantized_view<S>::from_blob(3, 77, blob.data(), blob.size()), a.data());
  lowbit::dequantize<S>(q, b.data());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}
