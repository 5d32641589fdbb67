// compile-fail: a policy tag where a scheme is expected; the Scheme concept rejects it.
// expect: Scheme<S>
#include <lowbit/lowbit.hpp>

float input[4] = {1.0f, 2.0f, 3.0f, 4.0f};
auto q = lowbit::quantize<lowbit::bits<4>>(input, 1, 4);
