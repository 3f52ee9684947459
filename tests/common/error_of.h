// The message of the fitformer::Error a call throws, for tests that compare error lines.
#pragma once

#include <string>

#include "core/error.h"

namespace fitformer::testing {

// What `call` throws as an Error, or "no error" when it returns.
template <class Call>
std::string error_of(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace fitformer::testing
