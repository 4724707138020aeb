using System.IO;
using Spectre.Console;

namespace Samples.RealtimeVoice;

/// <summary>Spectre.Console consoles over the CLI's writers, for progress bars and result tables on a terminal.</summary>
internal static class CliConsole
{
    /// <summary>A console that renders to <paramref name="writer"/> (an interactive terminal: the callers check).</summary>
    public static IAnsiConsole Over(TextWriter writer) =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.Yes });

    /// <summary>A table with right-aligned numeric columns after the first.</summary>
    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        for (int i = 0; i < columns.Length; i++)
        {
            var column = new TableColumn(Markup.Escape(columns[i]));
            if (i > 0) column.RightAligned();
            table.AddColumn(column);
        }
        return table;
    }

    /// <summary>Adds a row of plain text (escaped: file names may hold '[').</summary>
    public static Table Row(this Table table, params string[] cells)
    {
        var escaped = new string[cells.Length];
        for (int i = 0; i < cells.Length; i++) escaped[i] = Markup.Escape(cells[i]);
        return table.AddRow(escaped);
    }
}
