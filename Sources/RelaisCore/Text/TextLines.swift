extension StringProtocol {
    /// The lines of a text file, each ended by LF or by CRLF (a file saved on Windows, a
    /// spreadsheet's CSV export), without their ends; the last line is empty when the text
    /// ends with a line break.
    ///
    /// Swift reads `"\r\n"` as one `Character`, which splitting on `"\n"` never matches: a
    /// CRLF file would be one long line. Every reader of a file's lines goes through here.
    public func textLines() -> [SubSequence] {
        split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }
}
