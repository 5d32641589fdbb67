// tests/dispatch: the schemes the dispatched kernels are instantiated for.
#pragma once

#include <cstdint>

#include "lowbit/policy/scheme.hpp"

namespace dispatch_test {
using q4 = lowbit::scheme<lowbit::bits<4>, lowbit::symmetric, lowbit::per_group<32>, lowbit::scale<lowbit::fp16>>;
using q3a = lowbit::scheme<lowbit::bits<3>, lowbit::asymmetric, lowbit::per_group<64>, lowbit::scale<lowbit::bf16>,
                           lowbit::zero_point<std::uint8_t>>;
}  // namespace dispatch_test
