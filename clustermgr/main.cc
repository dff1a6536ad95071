// ember-clustermgr: the operator's CLI for cluster mode. This binary so far only parses its
// command line; the cluster subcommands arrive with cluster mode.
#include <cstdio>
#include <cxxopts.hpp>

int main(int argc, char** argv) {
  cxxopts::Options opts("ember-clustermgr",
                        "Ember cluster manager.\n"
                        "Usage: ember-clustermgr <create|check|fix|reshard|rebalance|add-node|"
                        "del-node> [options]");
  opts.allow_unrecognised_options();
  opts.add_options()("h,help", "Show usage")("v,version", "Show version");
  try {
    auto res = opts.parse(argc, argv);
    if (res.count("version")) {
      printf("Ember clustermgr v=%s\n", EMBER_VERSION);
      return 0;
    }
    if (res.count("help") || argc < 2) {
      printf("%s\n", opts.help().c_str());
      return argc < 2 ? 1 : 0;
    }
  } catch (const std::exception& e) {
    fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  fprintf(stderr, "ember-clustermgr: cluster mode is not implemented yet in this build\n");
  return 1;
}
