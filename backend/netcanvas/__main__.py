from netcanvas.cli import main

raise SystemExit(main())
