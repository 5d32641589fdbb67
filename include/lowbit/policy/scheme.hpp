// lowbit: scheme<Policies...>, the order-free composition of policy tags.
//
//   using S = lowbit::scheme<lowbit::bits<4>, lowbit::symmetric, lowbit::per_group<32>,
//                            lowbit::scale<lowbit::fp16>>;
//
// scheme<...> is an alias for the canonical basic_scheme<Mode, Width,
// Granularity, Word, Scale, ZeroPoint, Rounding, Calibration>, so the same policies written
// in any order name the same type. Left-out categories take these defaults:
//   symmetric, bits<8>, per_channel, code_word<uint8_t>, scale<float>,
//   zero_point<uint8_t> (asymmetric only), round_to_nearest_even, min_max.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lowbit/policy/tags.hpp"

namespace lowbit {

/// The canonical scheme type. Spell it through scheme<...>.
template <class Mode, class Width, class Granularity, class Word, class Scale, class ZeroPoint, class Rounding,
          class Calibration = min_max>
struct basic_scheme {
  using mode_policy = Mode;
  using width_policy = Width;
  using granularity_policy = Granularity;
  using word_policy = Word;
  using scale_policy = Scale;
  using zero_point_policy = ZeroPoint;
  using rounding_policy = Rounding;
  using calibration_policy = Calibration;

  using word_type = typename Word::type;
  using scale_type = typename Scale::type;
  using zero_point_type = typename ZeroPoint::type;  ///< void for symmetric schemes

  static constexpr int bits = Width::value;
  static constexpr bool is_symmetric = Mode::is_symmetric;
  /// symmetric_full_range: the signed levels are [-2^(B-1), 2^(B-1)-1] (codes [0, 2^B-1]),
  /// the scale signed; plain symmetric: [-(2^(B-1)-1), 2^(B-1)-1] (codes [1, 2^B-1]).
  static constexpr bool is_full_range = Mode::is_full_range;
  static constexpr bool has_zero_point = !is_symmetric;
  /// asymmetric with an integer zero point code: x = d * (u - z)
  static constexpr bool has_integer_zero_point = has_zero_point && ZeroPoint::is_integer;
  /// asymmetric with a float offset: x = d * u + m
  static constexpr bool has_float_offset = has_zero_point && !ZeroPoint::is_integer;
  static constexpr granularity_kind granularity = Granularity::kind;
  static constexpr std::size_t group_size = Granularity::group_size;  ///< 0 unless per_group
  static constexpr bool is_stochastic = Rounding::is_stochastic;
  /// mse_search: each group's range is searched for the least squared error (lowbit/range_search.hpp).
  static constexpr bool is_search = Calibration::is_search;

  /// Stored codes u are unsigned, u in [0, code_max].
  static constexpr unsigned code_max = (1u << bits) - 1u;
};

namespace scheme_detail {

template <class T>
struct is_basic_scheme : std::false_type {};
template <class... Ts>
struct is_basic_scheme<basic_scheme<Ts...>> : std::true_type {};

template <class Category, class P>
inline constexpr bool in_category = std::is_class_v<P>&& std::is_base_of_v<Category, P>;

template <class P>
inline constexpr bool is_policy_tag =
    in_category<policy::mode, P> || in_category<policy::width, P> || in_category<policy::granularity, P> ||
    in_category<policy::word, P> || in_category<policy::scale_type, P> || in_category<policy::zero_type, P> ||
    in_category<policy::rounding, P> || in_category<policy::calibration, P>;

template <class Category, class... Ps>
inline constexpr int count_in = (0 + ... + static_cast<int>(in_category<Category, Ps>));

/// The first of Ps in Category, or Default.
template <class Category, class Default, class... Ps>
struct pick {
  using type = Default;
};
template <class Category, class Default, class P, class... Ps>
struct pick<Category, Default, P, Ps...> {
  using type = std::conditional_t<in_category<Category, P>, P, typename pick<Category, Default, Ps...>::type>;
};
template <class Category, class Default, class... Ps>
using pick_t = typename pick<Category, Default, Ps...>::type;

template <class... Ps>
struct make_scheme {
  static_assert(
      (is_policy_tag<Ps> && ...),
      "lowbit::scheme: unknown policy tag; every argument must be a lowbit policy tag "
      "(symmetric/symmetric_full_range/asymmetric, bits<B>, per_tensor/per_channel/per_group<G>, code_word<W>, "
      "scale<T>, zero_point<Z>, round_to_nearest_even/stochastic_rounding, min_max/mse_search)");
  static_assert(count_in<policy::mode, Ps...> <= 1,
                "lowbit::scheme: more than one mode tag; give one of symmetric, symmetric_full_range or asymmetric");
  static_assert(count_in<policy::width, Ps...> <= 1, "lowbit::scheme: more than one bits<B> tag");
  static_assert(count_in<policy::granularity, Ps...> <= 1,
                "lowbit::scheme: more than one granularity tag; give one of per_tensor, per_channel, per_group<G>");
  static_assert(count_in<policy::word, Ps...> <= 1, "lowbit::scheme: more than one code_word<W> tag");
  static_assert(count_in<policy::scale_type, Ps...> <= 1, "lowbit::scheme: more than one scale<T> tag");
  static_assert(count_in<policy::zero_type, Ps...> <= 1, "lowbit::scheme: more than one zero_point<Z> tag");
  static_assert(count_in<policy::calibration, Ps...> <= 1,
                "lowbit::scheme: more than one calibration tag; give one of min_max, mse_search");
  static_assert(count_in<policy::rounding, Ps...> <= 1,
                "lowbit::scheme: more than one rounding tag; give one of round_to_nearest_even, stochastic_rounding");

  using mode = pick_t<policy::mode, symmetric, Ps...>;
  static_assert(!(mode::is_symmetric && count_in<policy::zero_type, Ps...> > 0),
                "lowbit::scheme: a symmetric scheme has no zero point; drop zero_point<Z> or use asymmetric");

  static_assert(!(mode::is_full_range && pick_t<policy::width, bits<8>, Ps...>::value == 1),
                "lowbit::scheme: symmetric_full_range needs bits<B> with B >= 2; with B = 1, symmetric already "
                "uses both levels");
  static_assert(!(pick_t<policy::calibration, min_max, Ps...>::is_search &&
                  pick_t<policy::rounding, round_to_nearest_even, Ps...>::is_stochastic),
                "lowbit::scheme: stochastic_rounding is unbiased only when no element is clamped, and mse_search "
                "clips ranges; use min_max (the default) with stochastic_rounding");
  static_assert(!(mode::is_full_range && pick_t<policy::rounding, round_to_nearest_even, Ps...>::is_stochastic),
                "lowbit::scheme: stochastic_rounding is unbiased only when no element is clamped, and "
                "symmetric_full_range clamps the side opposite the extreme; use symmetric or asymmetric");

  using type = basic_scheme<
      mode, pick_t<policy::width, bits<8>, Ps...>, pick_t<policy::granularity, per_channel, Ps...>,
      pick_t<policy::word, code_word<std::uint8_t>, Ps...>, pick_t<policy::scale_type, scale<float>, Ps...>,
      std::conditional_t<mode::is_symmetric, no_zero_point, pick_t<policy::zero_type, zero_point<std::uint8_t>, Ps...>>,
      pick_t<policy::rounding, round_to_nearest_even, Ps...>, pick_t<policy::calibration, min_max, Ps...>>;
};

}  // namespace scheme_detail

/// A quantization scheme from policy tags in any order (see the file comment for defaults).
template <class... Policies>
using scheme = typename scheme_detail::make_scheme<Policies...>::type;

/// Satisfied by the canonical scheme types scheme<...> produces.
template <class S>
concept Scheme = scheme_detail::is_basic_scheme<S>::value;

}  // namespace lowbit
