// nlohmann::json to plain Python objects (dict, list, str, int, float, bool, None), for the
// results the libraries already give as JSON (select's result.json).
#pragma once

#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>

namespace fitformer::python {

// The value as Python builds it from json.loads of j.dump(). Needs the GIL.
pybind11::object json_to_python(const nlohmann::json& j);

}  // namespace fitformer::python
