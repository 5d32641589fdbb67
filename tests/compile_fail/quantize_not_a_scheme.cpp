// compile-fail: int where a scheme is expected. The entry points are constrained templates
// (template <Scheme S, ...>), and so is their return type quantized_matrix<S>: the diagnostic must be the Scheme
// concept not satisfied for S = int. Not just "no matching function", nor "requires Scheme<S>": GCC prints both for
// any failed call of these templates (see selftest/any_failed_call.cpp).
// expect(GNU): required for the satisfaction of 'Scheme<S>' [with S = int]
// expect(Clang): constraints not satisfied for class template 'quantized_matrix' [with S = int]

#include <lowbit/lowbit.hpp>

float input[4] = {1.0f, 2.0f, 3.0f, 4.0f};
auto q = lowbit::quantize<int>(input, 1, 4);
