// compile-fail selftest: quantize_not_a_scheme.cpp's expectations on a call that fails for another reason first
// (one argument too few: the compiler rejects every candidate on its argument count, before any constraint). The
// checker must report a MISMATCH: the expectation names the Scheme constraint failing, which this output lacks,
// although it has "no matching function" and "requires Scheme<S>" (the old expectation "Scheme<S>" matched).
// expect(GNU): required for the satisfaction of 'Scheme<S>' [with S = int]
// expect(Clang): constraints not satisfied for class template 'quantized_matrix' [with S = int]

#include <lowbit/lowbit.hpp>

float input[4] = {1.0f, 2.0f, 3.0f, 4.0f};
auto q = lowbit::quantize<int>(input, 1);
