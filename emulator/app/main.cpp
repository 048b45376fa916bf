// Entry point of the `lowcloud` binary. Blocks SIGINT/SIGTERM before any
// thread starts so that app::serve's watcher receives them, then hands over
// to the command line (app/cli.hpp).
#include "app/cli.hpp"

#include <csignal>
#include <iostream>

int main(int argc, char** argv) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    std::vector<std::string> args(argv + 1, argv + argc);
    return lowcloud::app::run_cli(args, std::cout, std::cerr);
}
