"""Every figure of the day-2 slides, in slide order: the list, its drawing, and ``deepkiso slides``.

``SLIDES`` holds one ``Slide`` per figure (an id, its title, the section of the slides, the
``deepkiso`` command line that makes the same figure, and the function that draws it with the
library); ``write_slides`` draws them all into a folder with an ``index.html`` that shows them with
their titles and commands. Each drawing reads its settings from its own command line, parsed by that
command's parser, so the figure and the line shown beside it cannot disagree:

    from deepkiso.slides import SLIDES, write_slides
    write_slides("slides", formats=("png",))
"""

from deepkiso.slides.catalog import SECTIONS, SLIDES, Slide, Written, command_line, parse_command
from deepkiso.slides.writing import SlidesError, planned_files, write_slides

__all__ = [
    "SECTIONS",
    "SLIDES",
    "Slide",
    "SlidesError",
    "Written",
    "command_line",
    "parse_command",
    "planned_files",
    "write_slides",
]
