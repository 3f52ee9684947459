// A command-line mistake caught by CLI11 (an unknown flag or subcommand, a missing or
// ill-typed option) as fitformer's one line: "fitformer: error: ...", with the nearest flag or
// subcommand when the mistake looks like a typo, and where --help is.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace fitformer::cli {

// The line to print for `error` (not help or version: those are CLI11's to print), after
// `app` parsed `args` (argv without the program name) as far as it could. No newline.
std::string parse_error_line(const CLI::App& app, const CLI::ParseError& error,
                             const std::vector<std::string>& args);

}  // namespace fitformer::cli
