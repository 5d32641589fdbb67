// Compile-time tests of the policy algebra (policy/tags.hpp, policy/scheme.hpp)
// and of the layout arithmetic (layout/packed_layout.hpp, layout/matrix_layout.hpp).
//
// Everything here is a static_assert: if this file compiles, the facts hold.
// The TEST_CASE at the end only makes the file visible in the test run.
// What must NOT compile (bits<0>, duplicate tags, ...) is in tests/compile_fail/.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "lowbit/layout/matrix_layout.hpp"
#include "lowbit/layout/packed_layout.hpp"
#include "lowbit/policy/scheme.hpp"
#include "lowbit/policy/tags.hpp"
#include "lowbit/types/float16.hpp"

namespace {

using namespace lowbit;
using std::uint16_t;
using std::uint32_t;
using std::uint64_t;
using std::uint8_t;

// ================================================================== order independence

/// All N! permutations of 0..N-1, in lexicographic order.
template <std::size_t N>
consteval auto all_permutations() {
  constexpr std::size_t count = [] {
    std::size_t f = 1;
    for (std::size_t i = 2; i <= N; ++i) f *= i;
    return f;
  }();
  std::array<std::array<std::size_t, N>, count> out{};
  std::array<std::size_t, N> p{};
  for (std::size_t i = 0; i < N; ++i) p[i] = i;
  std::size_t k = 0;
  do {
    out[k++] = p;
  } while (std::next_permutation(p.begin(), p.end()));
  return out;
}

template <class Tuple, class Seq = std::make_index_sequence<std::tuple_size_v<Tuple>>>
struct permutations_of;

/// True when scheme<...> of every ordering of the tags in Tuple is the same type.
template <class... Ps, std::size_t... I>
struct permutations_of<std::tuple<Ps...>, std::index_sequence<I...>> {
  using tags = std::tuple<Ps...>;
  static constexpr auto perms = all_permutations<sizeof...(Ps)>();
  using reference = scheme<Ps...>;

  template <std::size_t K>
  using permuted = scheme<std::tuple_element_t<perms[K][I], tags>...>;

  template <std::size_t... K>
  static constexpr bool all_same(std::index_sequence<K...>) {
    return (std::is_same_v<permuted<K>, reference> && ...);
  }
  static constexpr bool value = all_same(std::make_index_sequence<perms.size()>{});
};

template <class... Ps>
inline constexpr bool order_free = permutations_of<std::tuple<Ps...>>::value;

// Every ordering (2! ... 5! = 120 spellings each).
static_assert(order_free<bits<4>, asymmetric>);
static_assert(order_free<per_group<32>, scale<fp16>, bits<3>>);
static_assert(order_free<asymmetric, bits<2>, per_group<128>, zero_point<fp16>>);
static_assert(order_free<symmetric, bits<5>, per_tensor, code_word<uint32_t>, stochastic_rounding>);
static_assert(order_free<asymmetric, bits<1>, per_group<64>, scale<bf16>, zero_point<uint16_t>>);
static_assert(order_free<per_channel, code_word<uint64_t>, scale<float>, round_to_nearest_even, bits<7>>);

// All seven categories at once: rotations and reversals of one spelling.
using S7 = scheme<asymmetric, bits<6>, per_group<16>, code_word<uint16_t>, scale<fp16>, zero_point<uint8_t>,
                  stochastic_rounding>;
static_assert(std::is_same_v<S7, scheme<bits<6>, per_group<16>, code_word<uint16_t>, scale<fp16>, zero_point<uint8_t>,
                                        stochastic_rounding, asymmetric>>);
static_assert(std::is_same_v<S7, scheme<per_group<16>, code_word<uint16_t>, scale<fp16>, zero_point<uint8_t>,
                                        stochastic_rounding, asymmetric, bits<6>>>);
static_assert(std::is_same_v<S7, scheme<code_word<uint16_t>, scale<fp16>, zero_point<uint8_t>, stochastic_rounding,
                                        asymmetric, bits<6>, per_group<16>>>);
static_assert(std::is_same_v<S7, scheme<scale<fp16>, zero_point<uint8_t>, stochastic_rounding, asymmetric, bits<6>,
                                        per_group<16>, code_word<uint16_t>>>);
static_assert(std::is_same_v<S7, scheme<zero_point<uint8_t>, stochastic_rounding, asymmetric, bits<6>, per_group<16>,
                                        code_word<uint16_t>, scale<fp16>>>);
static_assert(std::is_same_v<S7, scheme<stochastic_rounding, asymmetric, bits<6>, per_group<16>, code_word<uint16_t>,
                                        scale<fp16>, zero_point<uint8_t>>>);
static_assert(std::is_same_v<S7, scheme<stochastic_rounding, zero_point<uint8_t>, scale<fp16>, code_word<uint16_t>,
                                        per_group<16>, bits<6>, asymmetric>>);
static_assert(std::is_same_v<S7, scheme<zero_point<uint8_t>, asymmetric, stochastic_rounding, per_group<16>,
                                        scale<fp16>, bits<6>, code_word<uint16_t>>>);
// ... and the canonical type spelled directly.
static_assert(std::is_same_v<S7, basic_scheme<asymmetric, bits<6>, per_group<16>, code_word<uint16_t>, scale<fp16>,
                                              zero_point<uint8_t>, stochastic_rounding>>);

// Different policies give different types.
static_assert(!std::is_same_v<scheme<bits<4>>, scheme<bits<3>>>);
static_assert(!std::is_same_v<scheme<per_group<32>>, scheme<per_group<64>>>);
static_assert(!std::is_same_v<scheme<asymmetric>, scheme<asymmetric, zero_point<fp16>>>);
static_assert(!std::is_same_v<scheme<scale<fp16>>, scheme<scale<bf16>>>);
static_assert(!std::is_same_v<scheme<>, scheme<stochastic_rounding>>);
static_assert(!std::is_same_v<scheme<>, scheme<asymmetric>>);
static_assert(!std::is_same_v<scheme<per_channel>, scheme<per_tensor>>);

// ================================================================== defaults
//   symmetric, bits<8>, per_channel, code_word<uint8_t>, scale<float>,
//   zero_point<uint8_t> (asymmetric only), round_to_nearest_even.

static_assert(std::is_same_v<scheme<>, basic_scheme<symmetric, bits<8>, per_channel, code_word<uint8_t>, scale<float>,
                                                    no_zero_point, round_to_nearest_even>>);
static_assert(
    std::is_same_v<scheme<asymmetric>, basic_scheme<asymmetric, bits<8>, per_channel, code_word<uint8_t>, scale<float>,
                                                    zero_point<uint8_t>, round_to_nearest_even>>);
// Writing a default out changes nothing.
static_assert(std::is_same_v<scheme<>, scheme<symmetric>>);
static_assert(std::is_same_v<scheme<>, scheme<bits<8>>>);
static_assert(std::is_same_v<scheme<>, scheme<per_channel>>);
static_assert(std::is_same_v<scheme<>, scheme<code_word<uint8_t>>>);
static_assert(std::is_same_v<scheme<>, scheme<scale<float>>>);
static_assert(std::is_same_v<scheme<>, scheme<round_to_nearest_even>>);
static_assert(
    std::is_same_v<scheme<>,
                   scheme<symmetric, bits<8>, per_channel, code_word<uint8_t>, scale<float>, round_to_nearest_even>>);
static_assert(std::is_same_v<scheme<asymmetric>, scheme<asymmetric, zero_point<uint8_t>>>);
static_assert(std::is_same_v<scheme<asymmetric>, scheme<zero_point<uint8_t>, asymmetric, bits<8>, per_channel,
                                                        code_word<uint8_t>, scale<float>, round_to_nearest_even>>);
// Each default in isolation: set one category, the other six are the defaults.
static_assert(std::is_same_v<scheme<bits<4>>, basic_scheme<symmetric, bits<4>, per_channel, code_word<uint8_t>,
                                                           scale<float>, no_zero_point, round_to_nearest_even>>);
static_assert(std::is_same_v<scheme<per_group<32>>, basic_scheme<symmetric, bits<8>, per_group<32>, code_word<uint8_t>,
                                                                 scale<float>, no_zero_point, round_to_nearest_even>>);
static_assert(std::is_same_v<scheme<per_tensor>, basic_scheme<symmetric, bits<8>, per_tensor, code_word<uint8_t>,
                                                              scale<float>, no_zero_point, round_to_nearest_even>>);
static_assert(
    std::is_same_v<scheme<code_word<uint32_t>>, basic_scheme<symmetric, bits<8>, per_channel, code_word<uint32_t>,
                                                             scale<float>, no_zero_point, round_to_nearest_even>>);
static_assert(std::is_same_v<scheme<scale<fp16>>, basic_scheme<symmetric, bits<8>, per_channel, code_word<uint8_t>,
                                                               scale<fp16>, no_zero_point, round_to_nearest_even>>);
static_assert(
    std::is_same_v<scheme<stochastic_rounding>, basic_scheme<symmetric, bits<8>, per_channel, code_word<uint8_t>,
                                                             scale<float>, no_zero_point, stochastic_rounding>>);
static_assert(std::is_same_v<scheme<asymmetric, zero_point<bf16>>,
                             basic_scheme<asymmetric, bits<8>, per_channel, code_word<uint8_t>, scale<float>,
                                          zero_point<bf16>, round_to_nearest_even>>);

// ================================================================== traits

// The policy slots of basic_scheme are the tags themselves.
static_assert(std::is_same_v<S7::mode_policy, asymmetric>);
static_assert(std::is_same_v<S7::width_policy, bits<6>>);
static_assert(std::is_same_v<S7::granularity_policy, per_group<16>>);
static_assert(std::is_same_v<S7::word_policy, code_word<uint16_t>>);
static_assert(std::is_same_v<S7::scale_policy, scale<fp16>>);
static_assert(std::is_same_v<S7::zero_point_policy, zero_point<uint8_t>>);
static_assert(std::is_same_v<S7::rounding_policy, stochastic_rounding>);
static_assert(std::is_same_v<scheme<>::zero_point_policy, no_zero_point>);

/// The width-derived facts of every scheme built with bits<B>.
template <Scheme S, int B>
consteval bool width_facts() {
  static_assert(S::bits == B);
  static_assert(S::width_policy::value == B);
  static_assert(S::code_max == (1u << B) - 1u);
  static_assert(S::code_max <= 255u, "codes fit in the uint8_t the reference unpacks into");
  return true;
}

/// Traits of every combination of mode/zero point, granularity, word, scale and rounding for bits<B>.
template <int B>
consteval bool traits_for_width() {
  // symmetric: no zero point at all
  using sym = scheme<bits<B>>;
  static_assert(width_facts<sym, B>());
  static_assert(sym::is_symmetric && !sym::has_zero_point);
  static_assert(!sym::has_integer_zero_point && !sym::has_float_offset);
  static_assert(std::is_void_v<typename sym::zero_point_type>);
  static_assert(std::is_same_v<zero_point_storage_t<sym>, std::byte>);

  // asymmetric, integer zero point code: x = d * (u - z)
  using asym_u8 = scheme<asymmetric, bits<B>>;
  using asym_u16 = scheme<asymmetric, bits<B>, zero_point<uint16_t>>;
  static_assert(width_facts<asym_u8, B>() && width_facts<asym_u16, B>());
  static_assert(!asym_u8::is_symmetric && asym_u8::has_zero_point);
  static_assert(asym_u8::has_integer_zero_point && !asym_u8::has_float_offset);
  static_assert(std::is_same_v<typename asym_u8::zero_point_type, uint8_t>);
  static_assert(asym_u16::has_integer_zero_point && !asym_u16::has_float_offset);
  static_assert(std::is_same_v<typename asym_u16::zero_point_type, uint16_t>);
  static_assert(std::is_same_v<zero_point_storage_t<asym_u16>, uint16_t>);

  // asymmetric, float offset: x = d * u + m
  using asym_f32 = scheme<asymmetric, bits<B>, zero_point<float>>;
  using asym_f16 = scheme<asymmetric, bits<B>, zero_point<fp16>>;
  using asym_b16 = scheme<asymmetric, bits<B>, zero_point<bf16>>;
  static_assert(width_facts<asym_f32, B>() && width_facts<asym_f16, B>() && width_facts<asym_b16, B>());
  static_assert(asym_f32::has_zero_point && asym_f32::has_float_offset && !asym_f32::has_integer_zero_point);
  static_assert(asym_f16::has_float_offset && !asym_f16::has_integer_zero_point);
  static_assert(asym_b16::has_float_offset && !asym_b16::has_integer_zero_point);
  static_assert(std::is_same_v<typename asym_f32::zero_point_type, float>);
  static_assert(std::is_same_v<typename asym_f16::zero_point_type, fp16>);
  static_assert(std::is_same_v<typename asym_b16::zero_point_type, bf16>);

  // granularity
  using tensor = scheme<bits<B>, per_tensor>;
  using channel = scheme<bits<B>, per_channel>;
  using group1 = scheme<bits<B>, per_group<1>>;
  using group32 = scheme<bits<B>, per_group<32>>;
  using group4096 = scheme<asymmetric, bits<B>, per_group<4096>>;
  static_assert(tensor::granularity == granularity_kind::tensor && tensor::group_size == 0);
  static_assert(channel::granularity == granularity_kind::channel && channel::group_size == 0);
  static_assert(sym::granularity == granularity_kind::channel);
  static_assert(group1::granularity == granularity_kind::group && group1::group_size == 1);
  static_assert(group32::granularity == granularity_kind::group && group32::group_size == 32);
  static_assert(group4096::granularity == granularity_kind::group && group4096::group_size == 4096);
  static_assert(width_facts<tensor, B>() && width_facts<group4096, B>());

  // word type
  static_assert(std::is_same_v<typename sym::word_type, uint8_t>);
  static_assert(std::is_same_v<typename scheme<bits<B>, code_word<uint16_t>>::word_type, uint16_t>);
  static_assert(std::is_same_v<typename scheme<bits<B>, code_word<uint32_t>>::word_type, uint32_t>);
  static_assert(std::is_same_v<typename scheme<bits<B>, code_word<uint64_t>>::word_type, uint64_t>);
  static_assert(width_facts<scheme<bits<B>, code_word<uint64_t>>, B>());

  // scale type
  static_assert(std::is_same_v<typename sym::scale_type, float>);
  static_assert(std::is_same_v<typename scheme<bits<B>, scale<fp16>>::scale_type, fp16>);
  static_assert(std::is_same_v<typename scheme<asymmetric, bits<B>, scale<bf16>>::scale_type, bf16>);

  // rounding
  static_assert(!sym::is_stochastic && !asym_u8::is_stochastic);
  static_assert(scheme<bits<B>, stochastic_rounding>::is_stochastic);
  static_assert(scheme<asymmetric, bits<B>, zero_point<fp16>, stochastic_rounding>::is_stochastic);
  static_assert(!scheme<bits<B>, round_to_nearest_even>::is_stochastic);

  // The other traits do not depend on the width.
  static_assert(scheme<asymmetric, bits<B>, per_group<32>, zero_point<fp16>, stochastic_rounding>::has_float_offset);
  return true;
}

template <int... B>
consteval bool traits_for_widths(std::integer_sequence<int, B...>) {
  return (traits_for_width<B + 1>() && ...);
}
static_assert(traits_for_widths(std::make_integer_sequence<int, 8>{}));  // bits<1> .. bits<8>

// The tags' own constants.
static_assert(bits<1>::value == 1 && bits<8>::value == 8);
static_assert(symmetric::is_symmetric && !asymmetric::is_symmetric);
static_assert(per_group<128>::group_size == 128 && per_group<128>::kind == granularity_kind::group);
static_assert(per_tensor::kind == granularity_kind::tensor && per_channel::kind == granularity_kind::channel);
static_assert(zero_point<uint8_t>::is_integer && !zero_point<fp16>::is_integer && !no_zero_point::is_integer);
static_assert(std::is_void_v<no_zero_point::type>);
static_assert(stochastic_rounding::is_stochastic && !round_to_nearest_even::is_stochastic);
static_assert(std::is_base_of_v<policy::width, bits<3>> && std::is_base_of_v<policy::granularity, per_group<7>>);

// ================================================================== the Scheme concept

static_assert(Scheme<scheme<>>);
static_assert(Scheme<S7>);
static_assert(Scheme<scheme<bits<1>, asymmetric, zero_point<bf16>>>);
static_assert(Scheme<basic_scheme<symmetric, bits<2>, per_tensor, code_word<uint8_t>, scale<float>, no_zero_point,
                                  round_to_nearest_even>>);
static_assert(!Scheme<int>);
static_assert(!Scheme<void>);
static_assert(!Scheme<float>);
static_assert(!Scheme<bits<4>>);
static_assert(!Scheme<symmetric>);
static_assert(!Scheme<per_group<32>>);
static_assert(!Scheme<std::tuple<symmetric, bits<4>>>);

template <class S>
concept has_matrix_layout = requires {
  typename matrix_layout<S>;
};
static_assert(has_matrix_layout<scheme<bits<4>>>);

// ================================================================== packed_layout

/// Plane widths (widest first) and the code bit each plane starts at, for B = 1..8.
template <int B, std::size_t N>
consteval bool planes_are(std::array<int, 3> widths, std::array<int, 3> shifts) {
  using L = packed_layout<B, uint8_t>;
  static_assert(L::plane_count == N);
  static_assert(L::bits == B && L::block_codes == 512);
  int sum = 0;
  for (std::size_t k = 0; k < N; ++k) {
    if (L::plane_width[k] != widths[k] || L::plane_shift[k] != shifts[k]) return false;
    if (k > 0 && L::plane_width[k] >= L::plane_width[k - 1]) return false;  // strictly widest first
    if ((L::plane_width[k] & (L::plane_width[k] - 1)) != 0) return false;   // a power of two
    if (L::plane_shift[k] != sum) return false;                             // lowest bits first
    sum += L::plane_width[k];
  }
  return sum == B;
}
//                          widths       shifts
static_assert(planes_are<1, 1>({1, 0, 0}, {0, 0, 0}));
static_assert(planes_are<2, 1>({2, 0, 0}, {0, 0, 0}));
static_assert(planes_are<3, 2>({2, 1, 0}, {0, 2, 0}));
static_assert(planes_are<4, 1>({4, 0, 0}, {0, 0, 0}));
static_assert(planes_are<5, 2>({4, 1, 0}, {0, 4, 0}));
static_assert(planes_are<6, 2>({4, 2, 0}, {0, 4, 0}));
static_assert(planes_are<7, 3>({4, 2, 1}, {0, 4, 6}));
static_assert(planes_are<8, 1>({8, 0, 0}, {0, 0, 0}));

// The plane structure does not depend on the word type.
template <int B>
consteval bool planes_independent_of_word() {
  using L8 = packed_layout<B, uint8_t>;
  using L64 = packed_layout<B, uint64_t>;
  return L8::plane_count == L64::plane_count && L8::plane_width == L64::plane_width &&
         L8::plane_shift == L64::plane_shift && packed_layout<B, uint16_t>::plane_width == L8::plane_width &&
         packed_layout<B, uint32_t>::plane_shift == L8::plane_shift;
}
static_assert(planes_independent_of_word<1>() && planes_independent_of_word<3>() && planes_independent_of_word<7>());

static_assert(packed_layout<4, uint8_t>::word_bits == 8 && packed_layout<4, uint16_t>::word_bits == 16);
static_assert(packed_layout<4, uint32_t>::word_bits == 32 && packed_layout<4, uint64_t>::word_bits == 64);

// A full 512-code block: planes of 512 * w / W words.
static_assert(packed_layout<3, uint8_t>::block_words(512) == 192);  // 128 (w=2) + 64 (w=1) bytes
static_assert(packed_layout<3, uint8_t>::plane_words(512, 2) == 128);
static_assert(packed_layout<3, uint8_t>::plane_words(512, 1) == 64);
static_assert(packed_layout<7, uint8_t>::plane_words(512, 4) == 256);
static_assert(packed_layout<7, uint8_t>::block_words(512) == 448);
static_assert(packed_layout<4, uint32_t>::block_words(512) == 64);
static_assert(packed_layout<1, uint64_t>::block_words(512) == 8);
static_assert(packed_layout<8, uint16_t>::block_words(512) == 256);

// A short block is padded to a multiple of the word's bit count.
static_assert(packed_layout<3, uint8_t>::padded_codes(88) == 88);
static_assert(packed_layout<3, uint8_t>::padded_codes(89) == 96);
static_assert(packed_layout<3, uint16_t>::padded_codes(1) == 16);
static_assert(packed_layout<3, uint64_t>::padded_codes(65) == 128);
static_assert(packed_layout<3, uint32_t>::padded_codes(0) == 0);

// Row sizes, worked by hand (bytes for uint8_t, else words):
static_assert(packed_layout<3, uint8_t>::row_words(512) == 192);  // 512 * 3 / 8
static_assert(packed_layout<3, uint8_t>::row_words(600) == 225);  // 192 + 88 * 3 / 8
static_assert(packed_layout<3, uint8_t>::row_words(16) == 6);     // 4 + 2
static_assert(packed_layout<3, uint8_t>::row_words(1) == 3);      // padded to 8 codes
static_assert(packed_layout<3, uint8_t>::row_words(0) == 0);
static_assert(packed_layout<4, uint8_t>::row_words(4096) == 2048);
static_assert(packed_layout<1, uint8_t>::row_words(4096) == 512);
static_assert(packed_layout<8, uint8_t>::row_words(1000) == 1000);
static_assert(packed_layout<4, uint32_t>::row_words(1000) == 128);  // 64 + 488 padded to 512 -> 64
static_assert(packed_layout<5, uint16_t>::row_words(17) == 10);     // padded to 32 codes, 32 * 5 / 16
static_assert(packed_layout<1, uint64_t>::row_words(1) == 1);       // padded to 64 codes
static_assert(packed_layout<7, uint64_t>::row_words(513) == 63);    // 512*7/64 = 56, + 64*7/64 = 7
static_assert(packed_layout<2, uint16_t>::row_words(1536) == 192);  // 3 blocks of 512*2/16

/// row_words(cols) = sum over the blocks of the row of ceil(n / W) * B, n = the block's code count.
template <int B, class W>
consteval bool row_words_formula() {
  using L = packed_layout<B, W>;
  constexpr std::size_t Wb = L::word_bits;
  for (std::size_t cols : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 65u, 511u, 512u, 513u, 1000u, 1024u, 1537u, 4096u, 11008u}) {
    std::size_t expected = 0;
    for (std::size_t begin = 0; begin < cols; begin += 512) {
      const std::size_t n = std::min<std::size_t>(512, cols - begin);
      expected += (n + Wb - 1) / Wb * B;
    }
    if (L::row_words(cols) != expected) return false;
    if (cols % 512 == 0 && L::row_words(cols) * Wb != cols * B) return false;  // full blocks: exactly B bits a code
  }
  return true;
}
template <int... B>
consteval bool row_words_all(std::integer_sequence<int, B...>) {
  return ((row_words_formula<B + 1, uint8_t>() && row_words_formula<B + 1, uint16_t>() &&
           row_words_formula<B + 1, uint32_t>() && row_words_formula<B + 1, uint64_t>()) &&
          ...);
}
static_assert(row_words_all(std::make_integer_sequence<int, 8>{}));

// ================================================================== matrix_layout

using sym3_g32 = scheme<bits<3>, per_group<32>, scale<fp16>>;
using asym3_g32 = scheme<asymmetric, bits<3>, per_group<32>, scale<fp16>, zero_point<uint8_t>>;

// The worked example of docs/design.md section 3: 2 x 600.
constexpr matrix_layout<sym3_g32> example{2, 600};
static_assert(!example.empty());
static_assert(example.row_words() == 225 && example.code_words() == 450 && example.code_bytes() == 450);
static_assert(example.groups_per_row() == 19 && example.group_length() == 32);  // 18 of 32 and one of 24
static_assert(example.params_count() == 38 && example.scale_bytes() == 76);
static_assert(example.zero_points_count() == 0 && example.zero_point_bytes() == 0);
static_assert(example.scales_offset() == 512 && example.zero_points_offset() == 640 && example.total_bytes() == 640);
static_assert(example.bits_per_weight() == 8.0 * (450 + 76) / 1200);

constexpr matrix_layout<asym3_g32> example_asym{2, 600};
static_assert(example_asym.zero_points_count() == 38 && example_asym.zero_point_bytes() == 38);
static_assert(example_asym.scales_offset() == 512 && example_asym.zero_points_offset() == 640);
static_assert(example_asym.total_bytes() == 678);
static_assert(example_asym.bits_per_weight() == 8.0 * (450 + 76 + 38) / 1200);  // 3.76

// params_count per granularity.
static_assert(matrix_layout<scheme<bits<4>, per_tensor>>{7, 100}.params_count() == 1);
static_assert(matrix_layout<scheme<bits<4>, per_tensor>>{7, 100}.groups_per_row() == 1);
static_assert(matrix_layout<scheme<bits<4>, per_tensor>>{7, 100}.group_length() == 100);
static_assert(matrix_layout<scheme<bits<4>, per_channel>>{7, 100}.params_count() == 7);
static_assert(matrix_layout<scheme<bits<4>, per_channel>>{7, 100}.group_length() == 100);
static_assert(matrix_layout<scheme<bits<4>, per_group<32>>>{7, 128}.params_count() == 7 * 4);  // exact multiple
static_assert(matrix_layout<scheme<bits<4>, per_group<32>>>{7, 129}.params_count() == 7 * 5);  // last group of 1
static_assert(matrix_layout<scheme<bits<4>, per_group<32>>>{7, 31}.params_count() == 7);       // one short group
static_assert(matrix_layout<scheme<bits<4>, per_group<1>>>{3, 5}.params_count() == 15);
static_assert(matrix_layout<scheme<bits<4>, per_group<4096>>>{3, 100}.params_count() == 3);  // G > cols
static_assert(matrix_layout<scheme<asymmetric, bits<4>, per_group<32>>>{7, 129}.zero_points_count() == 35);
static_assert(matrix_layout<scheme<asymmetric, bits<4>, per_tensor>>{7, 129}.zero_points_count() == 1);
static_assert(matrix_layout<scheme<asymmetric, bits<2>, per_channel, zero_point<fp16>>>{7, 129}.zero_point_bytes() ==
              14);
static_assert(matrix_layout<scheme<bits<4>, per_channel, scale<bf16>>>{7, 129}.scale_bytes() == 14);
static_assert(matrix_layout<scheme<bits<4>, per_channel, scale<float>>>{7, 129}.scale_bytes() == 28);

// Code words with wider words.
static_assert(matrix_layout<scheme<bits<4>, code_word<uint32_t>>>{3, 1000}.code_words() == 3 * 128);
static_assert(matrix_layout<scheme<bits<4>, code_word<uint32_t>>>{3, 1000}.code_bytes() == 3 * 128 * 4);

// Empty matrices have nothing at all.
template <Scheme S>
consteval bool empty_layout_is_empty() {
  for (const matrix_layout<S>& l : {matrix_layout<S>{0, 0}, matrix_layout<S>{0, 100}, matrix_layout<S>{100, 0}}) {
    if (!l.empty() || l.code_words() != 0 || l.code_bytes() != 0 || l.params_count() != 0) return false;
    if (l.zero_points_count() != 0 || l.scale_bytes() != 0 || l.zero_point_bytes() != 0) return false;
    if (l.scales_offset() != 0 || l.zero_points_offset() != 0 || l.total_bytes() != 0) return false;
    if (l.bits_per_weight() != 0.0) return false;
  }
  return true;
}
static_assert(empty_layout_is_empty<scheme<>>());
static_assert(empty_layout_is_empty<scheme<per_tensor>>());
static_assert(empty_layout_is_empty<asym3_g32>());
static_assert(empty_layout_is_empty<scheme<asymmetric, bits<1>, per_tensor, zero_point<bf16>, code_word<uint64_t>>>());

/// Blob: codes at 0, then scales and zero points each at the next multiple of 64, in that order, not overlapping.
template <Scheme S>
consteval bool blob_is_consistent() {
  for (std::size_t rows : {1u, 2u, 3u, 17u, 64u})
    for (std::size_t cols : {1u, 31u, 32u, 33u, 100u, 512u, 600u, 1000u}) {
      const matrix_layout<S> l{rows, cols};
      if (l.scales_offset() % 64 != 0 || l.zero_points_offset() % 64 != 0) return false;
      if (l.scales_offset() < l.code_bytes() || l.scales_offset() >= l.code_bytes() + 64) return false;
      const std::size_t scales_end = l.scales_offset() + l.scale_bytes();
      if (l.zero_points_offset() < scales_end || l.zero_points_offset() >= scales_end + 64) return false;
      if (l.total_bytes() != l.zero_points_offset() + l.zero_point_bytes()) return false;
      if (l.code_bytes() != l.code_words() * sizeof(typename S::word_type)) return false;
      if (l.scale_bytes() != l.params_count() * sizeof(typename S::scale_type)) return false;
      // bits per weight counts the three arrays, not the padding
      const double bpw = 8.0 * static_cast<double>(l.code_bytes() + l.scale_bytes() + l.zero_point_bytes()) /
                         static_cast<double>(rows * cols);
      if (l.bits_per_weight() != bpw) return false;
    }
  return true;
}
static_assert(blob_is_consistent<scheme<>>());
static_assert(blob_is_consistent<sym3_g32>());
static_assert(blob_is_consistent<asym3_g32>());
static_assert(blob_is_consistent<scheme<asymmetric, bits<5>, per_tensor, zero_point<float>, code_word<uint16_t>>>());
static_assert(blob_is_consistent<scheme<asymmetric, bits<2>, per_group<128>, scale<bf16>, code_word<uint64_t>>>());

// Bits per weight for large matrices approach B + (scale + zero point bits) / G.
static_assert(matrix_layout<scheme<bits<4>, per_group<32>, scale<fp16>>>{4096, 4096}.bits_per_weight() == 4.5);
static_assert(matrix_layout<scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>>>{4096, 4096}.bits_per_weight() ==
              4.75);
static_assert(matrix_layout<scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>, zero_point<fp16>>>{4096, 4096}
                  .bits_per_weight() == 5.0);
static_assert(matrix_layout<scheme<bits<8>, per_tensor>>{1024, 1024}.bits_per_weight() == 8.0 + 32.0 / (1024 * 1024));

}  // namespace

TEST_CASE("scheme: the policy algebra and layout arithmetic hold at compile time") {
  // The facts are the static_asserts above; these repeat a few at run time.
  CHECK(std::is_same_v<scheme<bits<4>, asymmetric, per_group<32>>, scheme<per_group<32>, bits<4>, asymmetric>>);
  CHECK(Scheme<scheme<>>);
  constexpr matrix_layout<sym3_g32> l{2, 600};
  CHECK(l.total_bytes() == 640);
  CHECK(packed_layout<3, uint8_t>::row_words(512) == 192);
}
