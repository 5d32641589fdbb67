// lowbit: the counter-based random numbers stochastic rounding draws.
//
//   key(seed, row) = fmix32(lo32(seed) ^ fmix32(hi32(seed) + 0x9e3779b9 * lo32(row) + 0x7f4a7c15 * hi32(row)))
//   bits(key, col) = fmix32(key ^ (0x85ebca6b * col + 0x27d4eb2f))
//   r              = (bits >> 8) * 2^-24                  in [0, 1)
// fmix32 is the MurmurHash3 finalizer. All arithmetic is mod 2^32 so a SIMD
// lane computes exactly what the scalar reference does.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lowbit/config.hpp"

namespace LOWBIT_NS::detail {

constexpr std::uint32_t fmix32(std::uint32_t h) noexcept {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

constexpr std::uint32_t stochastic_row_key(std::uint64_t seed, std::size_t row) noexcept {
  const auto hi = static_cast<std::uint32_t>(seed >> 32);
  const auto lo = static_cast<std::uint32_t>(seed);
  return fmix32(lo ^ fmix32(hi + 0x9e3779b9u * static_cast<std::uint32_t>(row) +
                            0x7f4a7c15u * static_cast<std::uint32_t>(static_cast<std::uint64_t>(row) >> 32)));
}

constexpr std::uint32_t stochastic_bits(std::uint32_t key, std::uint32_t col) noexcept {
  return fmix32(key ^ (0x85ebca6bu * col + 0x27d4eb2fu));
}

/// Uniform in [0, 1) on a 2^-24 grid.
constexpr float stochastic_uniform(std::uint32_t key, std::uint32_t col) noexcept {
  return static_cast<float>(stochastic_bits(key, col) >> 8) * 5.9604644775390625e-8f;
}

}  // namespace LOWBIT_NS::detail
