// compile-fail: a policy tag where a scheme is expected (bits<4> for scheme<bits<4>>); the Scheme concept rejects it.
// expect(GNU): required for the satisfaction of 'Scheme<S>' [with S = lowbit::bits<4>]
// expect(Clang): constraints not satisfied for class template 'quantized_matrix' [with S = lowbit::bits<4>]

#include <lowbit/lowbit.hpp>

float input[4] = {1.0f, 2.0f, 3.0f, 4.0f};
auto q = lowbit::quantize<lowbit::bits<4>>(input, 1, 4);
