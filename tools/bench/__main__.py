from tools.bench.harness import main

main()
