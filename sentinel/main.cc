// ember-sentinel: monitors masters and runs failover. This binary so far only parses its
// command line; the Sentinel protocol arrives with its own issue.
#include <cstdio>
#include <cxxopts.hpp>

int main(int argc, char** argv) {
  cxxopts::Options opts("ember-sentinel",
                        "Ember Sentinel: monitors Ember/Redis masters and runs failover.\n"
                        "Usage: ember-sentinel /path/to/sentinel.conf [--directive value ...]");
  opts.allow_unrecognised_options();
  opts.add_options()("h,help", "Show usage")("v,version", "Show version");
  try {
    auto res = opts.parse(argc, argv);
    if (res.count("version")) {
      printf("Ember sentinel v=%s redis_version=%s\n", EMBER_VERSION, EMBER_REDIS_COMPAT_VERSION);
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
  fprintf(stderr, "ember-sentinel: monitoring is not implemented yet in this build\n");
  return 1;
}
