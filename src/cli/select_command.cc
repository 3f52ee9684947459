// `fitformer select`: the product (DESIGN.md §1, §9). Parses the command line into an
// explore::SelectRequest, runs explore::run_select, writes the result JSON and the HTML report
// (src/report) and prints the summary or the JSON. Exit 2 when no device meets both
// constraints, with the nearest feasible points.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/model_folder.h"
#include "core/error.h"
#include "core/progress.h"
#include "explore/closed_loop.h"
#include "explore/select_run.h"
#include "report/result_json.h"
#include "report/select_text.h"

namespace fitformer::cli {
namespace {

struct SelectOptions {
  explore::SelectRequest request;
  std::string devices;          // comma-separated
  std::string exclude_devices;  // comma-separated
  std::string banks;            // comma-separated
  bool json = false;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int run_select(SelectOptions o, const GlobalOptions& global) {
  o.request.devices = split_list(o.devices);
  o.request.exclude_devices = split_list(o.exclude_devices);
  if (!o.banks.empty()) o.request.banks = explore::parse_banks(o.banks, "--banks");
  o.request.workspace = workspace_of(global);
  o.request.progress_bars = Progress::terminal_attached() && !o.json;
  if (!o.request.model_dir.empty())
    o.request.model_dir = resolve_dense_model_folder(o.request.model_dir, global);
  const explore::SelectOutcome outcome = explore::run_select(o.request);
  const report::SelectFiles files = report::write_select_files(outcome);
  if (o.json)
    fmt::print("{}\n", files.result.dump(2));
  else
    fmt::print("{}", report::select_text(outcome, files));
  return outcome.run.selection.feasible ? 0 : 2;
}

}  // namespace

void add_select_command(CLI::App& app, const GlobalOptions& global, const std::string& command) {
  auto o = std::make_shared<SelectOptions>();
  explore::SelectRequest& r = o->request;
  r.command = command;
  CLI::App* cmd = app.add_subcommand(
      "select",
      "Find the cheapest device meeting a latency and an accuracy constraint, with the pruned "
      "model and accelerator configuration to run there");
  cmd->add_option("--recipe", r.recipe_file, "Recipe (recipes/TASK.toml)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--profile", r.profile, "Profile of the recipe: quick or full");
  cmd->add_option(
      "--model", r.model_dir,
      "Dense model folder (default runs/<recipe>-<profile>; trained there when absent), or "
      "your Hugging Face BERT, DistilBERT or RoBERTa classifier (imported, never trained over)");
  cmd->add_option("--lc", r.lc, "Latency constraint per forward: 5ms, 250us, 0.5s")->required();
  auto* ac = cmd->add_option("--ac", r.ac, "Accuracy constraint: acc>=0.80, f1>=0.9, ppl<=180");
  auto* drop = cmd->add_option("--ac-drop", r.ac_drop,
                               "Accuracy constraint relative to the dense model: 1% (its "
                               "select.metric, default ppl for a language model, acc otherwise)");
  ac->excludes(drop);
  cmd->add_option("--objective", r.objective, "What cheapest means: price, power or latency")
      ->capture_default_str();
  cmd->add_option("--devices", o->devices,
                  "Only these catalog ids (comma-separated; naming host includes it)");
  cmd->add_option("--exclude-devices", o->exclude_devices,
                  "Never these catalog ids (comma-separated)");
  cmd->add_flag("--include-host", r.include_host,
                "Also consider this machine (price 0, measured); it calibrates the CPU models "
                "either way");
  cmd->add_option("--banks", o->banks,
                  "Bank counts B to prune at, each searched: 4,8,16 (default: the recipe's "
                  "select.banks, 8)");
  cmd->add_option("--batch", r.batch, "Sequences per forward")->capture_default_str();
  cmd->add_option("--seq", r.seq, "Sequence length (default: the model's maximum)");
  cmd->add_option("--threads", r.threads, "Threads of the host's latency measurement")
      ->capture_default_str();
  cmd->add_option("--catalog", r.catalog, "Device catalog (default catalog/devices.toml)");
  cmd->add_option("--out", r.out_dir, "Output folder (default runs/<recipe>-<profile>-select)");
  cmd->add_flag("--json", o->json, "Print the result JSON");
  cmd->callback([o, &global]() {
    if (const int status = run_select(*o, global); status != 0) {
      std::fflush(stdout);
      std::exit(status);
    }
  });
}

}  // namespace fitformer::cli
