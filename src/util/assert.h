// Always-on assertion for programmer errors: prints and aborts. User input never triggers one.
#pragma once

#include <cstdio>
#include <cstdlib>

#define CENTLI_ASSERT(cond)                                                                       \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "centli: assertion failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)
