from asocia.cli.main import main

main()
