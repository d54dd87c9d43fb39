class FileFormatError(ValueError):
    """A file that cannot be imported, with where and why.

    `row` is the 1-based row of the file (header included), `column` the
    header as written in the file, `sheet` the worksheet's name when the
    workbook has several; any may be None when the problem is the whole file.
    """

    def __init__(self, problem, row=None, column=None, sheet=None):
        super().__init__(problem)
        self.problem = problem
        self.row = row
        self.column = column
        self.sheet = sheet
