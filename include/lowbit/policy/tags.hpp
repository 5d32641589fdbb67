// lowbit: the policy tags a scheme is composed of.
//
// Each tag derives from exactly one category base below; `scheme<...>` sorts
// the tags it is given by category, so the order they are written in does not
// matter. A new policy is a new tag in an existing category (or a new category
// plus a slot in basic_scheme); see docs/design.md.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "lowbit/types/float16.hpp"

namespace lowbit {

namespace policy {
struct mode {};         ///< symmetric | symmetric_full_range | asymmetric
struct width {};        ///< bits<B>
struct granularity {};  ///< per_tensor | per_channel | per_group<G>
struct word {};         ///< code_word<W>
struct scale_type {};   ///< scale<T>
struct zero_type {};    ///< zero_point<Z>
struct rounding {};     ///< round_to_nearest_even | stochastic_rounding
struct calibration {};  ///< min_max | mse_search
}  // namespace policy

// ---------------------------------------------------------------- mode

/// Signed codes q in [-(2^(B-1)-1), 2^(B-1)-1], x = d * q, d = max|x| / (2^(B-1)-1).
/// B = 1 is the binary case q in {-1, +1}, x = d * q, d = max|x|.
struct symmetric : policy::mode {
  static constexpr bool is_symmetric = true;
  static constexpr bool is_full_range = false;
};

/// Symmetric with all 2^B levels, as ggml's Q4_0 / Q5_0 / Q8_0 (B >= 2):
/// q in [-2^(B-1), 2^(B-1)-1], x = d * q, d = -e / 2^(B-1) where e is the
/// group's signed extreme (hi if |hi| >= |lo|, else lo), so e maps to the
/// level -2^(B-1) and d is negative when e > 0. One more level than
/// symmetric for the same bits: about 0.5-1 dB of SQNR at 4 bits.
struct symmetric_full_range : policy::mode {
  static constexpr bool is_symmetric = true;
  static constexpr bool is_full_range = true;
};

/// Unsigned codes u in [0, 2^B - 1] plus a zero point per scale (see zero_point).
struct asymmetric : policy::mode {
  static constexpr bool is_symmetric = false;
  static constexpr bool is_full_range = false;
};

// ---------------------------------------------------------------- width

/// Code width in bits, any B in [1, 8]. No width is special-cased.
template <int B>
struct bits : policy::width {
  static_assert(B >= 1, "lowbit::bits<B>: the code width B must be at least 1");
  static_assert(B <= 8, "lowbit::bits<B>: the code width B must be at most 8");
  static constexpr int value = B;
};

// ---------------------------------------------------------------- granularity

enum class granularity_kind { tensor, channel, group };

/// One scale (and zero point) for the whole matrix.
struct per_tensor : policy::granularity {
  static constexpr granularity_kind kind = granularity_kind::tensor;
  static constexpr std::size_t group_size = 0;
};

/// One scale per output channel (matrix row).
struct per_channel : policy::granularity {
  static constexpr granularity_kind kind = granularity_kind::channel;
  static constexpr std::size_t group_size = 0;
};

/// One scale per G consecutive elements of a row (the reduction dimension).
/// The last group of a row may be shorter when the row length is not a multiple of G.
template <std::size_t G>
struct per_group : policy::granularity {
  static_assert(G >= 1, "lowbit::per_group<G>: the group size G must be at least 1");
  static constexpr granularity_kind kind = granularity_kind::group;
  static constexpr std::size_t group_size = G;
};

// ---------------------------------------------------------------- storage

/// The unsigned integer word codes are packed into (see layout/packed_layout.hpp).
template <class W>
struct code_word : policy::word {
  static_assert(std::is_integral_v<W> && std::is_unsigned_v<W> && !std::is_same_v<W, bool>,
                "lowbit::code_word<W>: W must be an unsigned integer type (uint8_t, uint16_t, uint32_t or uint64_t)");
  static_assert(!std::is_integral_v<W> || std::numeric_limits<W>::digits >= 8,
                "lowbit::code_word<W>: a word narrower than 8 bits cannot hold the code planes of every width; "
                "use uint8_t, uint16_t, uint32_t or uint64_t");
  using type = W;
};

/// Storage type of the scales: float, lowbit::fp16 or lowbit::bf16.
template <class T>
struct scale : policy::scale_type {
  static_assert(FloatStorage<T>, "lowbit::scale<T>: T must be float, lowbit::fp16 or lowbit::bf16");
  using type = T;
};

/// Storage type of the asymmetric zero point, which also picks its meaning:
///  - an unsigned integer Z: an integer code z in [0, 2^B - 1]; x = d * (u - z)
///    (0 is always exactly representable; what integer-dot kernels want);
///  - a floating Z (float, fp16, bf16): a float offset m, the group minimum
///    rounded down; x = d * u + m (ggml Q4_1 style; no range widening to 0).
template <class Z>
struct zero_point : policy::zero_type {
  static_assert((std::is_integral_v<Z> && std::is_unsigned_v<Z> && !std::is_same_v<Z, bool>) || FloatStorage<Z>,
                "lowbit::zero_point<Z>: Z must be an unsigned integer type (integer zero point) "
                "or float, lowbit::fp16, lowbit::bf16 (float offset)");
  using type = Z;
  static constexpr bool is_integer = std::is_integral_v<Z>;
};

/// Symmetric schemes carry no zero point; this is their canonical zero-point slot.
struct no_zero_point : policy::zero_type {
  using type = void;
  static constexpr bool is_integer = false;
};

// ---------------------------------------------------------------- rounding

/// q = round_half_to_even(x / d): deterministic, minimal error.
struct round_to_nearest_even : policy::rounding {
  static constexpr bool is_stochastic = false;
};

/// q = floor(x / d + r), r uniform in [0, 1) from a counter-based hash of
/// (seed, row, column): reproducible for a seed, and unbiased, E[x^] = x, for
/// every element the stored grid covers. The grid covers the whole group in
/// every stochastic scheme (an integer zero point is chosen before the scale
/// so that it does; see group_params.hpp) except asymmetric bits<1> with an
/// integer zero point, whose two levels include 0: elements of the sign the
/// grid does not reach are clamped to 0. The remaining bias is the float
/// rounding of x / d and of x / d + r (r has 24 bits), relative 2^-24.
struct stochastic_rounding : policy::rounding {
  static constexpr bool is_stochastic = true;
};

// ---------------------------------------------------------------- calibration

/// The range [lo, hi] a group's scale (and zero point) is computed from is
/// the group's minimum and maximum: no element is clamped, |x - x^| <= step / 2.
struct min_max : policy::calibration {
  static constexpr bool is_search = false;
};

/// The range is searched per group to minimize the squared error
/// sum (x - x^)^2 (lowbit/range_search.hpp): a grid of clipped and widened
/// candidate ranges around min / max, each refitted by least squares on the
/// codes it gives, the best refitted again while it improves. The extreme
/// elements may then be clamped (their error exceeds step / 2) in exchange for
/// a finer step for the rest: 0.4 to 2.7 dB more SQNR on real weights (most at 2 bits)
/// (docs/accuracy.md). Deterministic, and the SIMD kernels match the scalar
/// reference bit for bit.
struct mse_search : policy::calibration {
  static constexpr bool is_search = true;
};

}  // namespace lowbit
