import sys

from deepkiso.cli import main

sys.exit(main())
