// The `fitformer` command: parses arguments with CLI11 and hands each subcommand to its file.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/parse_error.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{
      "fitformer: find the cheapest device that runs your Transformer within a latency "
      "and an accuracy constraint"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("fitformer ") + FITFORMER_VERSION);
  // Global options (--cache-dir, --data-dir) are accepted after the subcommand as well:
  // subcommands created below inherit this.
  app.fallthrough();
  fitformer::cli::GlobalOptions global;
  // Defaults and the environment variables that set them: core/locations.h, README.md.
  app.add_option("--data-dir", global.workspace.data_dir,
                 "Folder of fetched datasets (scripts/setup; env FITFORMER_DATA_DIR)")
      ->capture_default_str();
  app.add_option("--cache-dir", global.workspace.cache_dir,
                 "Folder of cached results (env FITFORMER_CACHE_DIR)")
      ->capture_default_str();
  app.add_option("--workdir", global.workspace.work_dir,
                 "Project folder: run folders go to WORKDIR/runs (env FITFORMER_WORKDIR; "
                 "default the current directory)");
  fitformer::cli::add_data_command(app, global);
  fitformer::cli::add_devices_command(app, global);
  fitformer::cli::add_train_command(app, global);
  fitformer::cli::add_prune_command(app, global);
  fitformer::cli::add_eval_command(app, global);
  fitformer::cli::add_predict_command(app, global);
  fitformer::cli::add_bench_command(app);
  fitformer::cli::add_simulate_command(app);
  fitformer::cli::add_report_command(app);
  fitformer::cli::add_rtl_command(app);
  std::string command = "fitformer";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool plain = arg.find_first_of(" \t\"'<>|&;$*?") == std::string::npos && !arg.empty();
    command += " " + (plain ? arg : "'" + arg + "'");
  }
  fitformer::cli::add_select_command(app, global, command);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "%s\n",
                 fitformer::cli::parse_error_line(app, e, {argv + 1, argv + argc}).c_str());
    return 1;
  } catch (const fitformer::Error& e) {
    std::fprintf(stderr, "fitformer: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fitformer: internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
