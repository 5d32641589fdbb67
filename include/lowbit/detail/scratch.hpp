// lowbit: the allocator of lowbit's internal scratch containers. It is a type
// of the per-ISA namespace, so std::vector<T, detail::allocator<T>> and every
// member the C++ library instantiates for it are per-ISA too: a container
// method compiled with AVX-512 flags in one translation unit is never the one
// another TU of the same program, built for SSE2, calls (see config.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "lowbit/config.hpp"

namespace LOWBIT_NS::detail {

template <class T>
struct allocator : std::allocator<T> {
  using value_type = T;
  allocator() noexcept = default;
  template <class U>
  allocator(const allocator<U>&) noexcept {}  // NOLINT: converting, as std::allocator's
  template <class U>
  struct rebind {
    using other = allocator<U>;
  };
};
template <class T, class U>
constexpr bool operator==(const allocator<T>&, const allocator<U>&) noexcept {
  return true;
}

/// std::vector with the per-ISA allocator.
template <class T>
using scratch_vector = std::vector<T, allocator<T>>;

}  // namespace LOWBIT_NS::detail
