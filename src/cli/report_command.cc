// `fitformer report RESULT.json [--out DIR]`: draws the HTML report of a select result again
// from its JSON alone (report/html.h), e.g. after editing a catalog entry's name, on another
// machine, or into another folder.
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/files.h"
#include "io/json_reader.h"
#include "report/html.h"

namespace fitformer::cli {
namespace {

struct ReportOptions {
  std::string result;  // result.json of `fitformer select`
  std::string out;     // default: the result's folder
};

void run_report(const ReportOptions& o) {
  const auto result = io::parse_json(read_file(o.result), o.result);
  if (!result.is_object())
    throw Error(o.result, "", "a select result (JSON object)", io::describe_json(result));
  const std::filesystem::path out = o.out.empty()
                                        ? std::filesystem::absolute(o.result).parent_path()
                                        : std::filesystem::path(o.out);
  std::filesystem::create_directories(out);
  fmt::print("report: {}\n", report::write_report(result, out, o.result,
                                                  std::filesystem::absolute(o.result).parent_path())
                                 .string());
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Draw the HTML report of a select result (its result.json) again");
  cmd->add_option("result", o->result, "result.json written by fitformer select")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out, "Folder for report.html and plots/ (default: the result's)");
  cmd->callback([o] { run_report(*o); });
}

}  // namespace fitformer::cli
