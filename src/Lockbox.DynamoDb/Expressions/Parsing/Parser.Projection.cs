using Lockbox.DynamoDb.Expressions.Ast;

namespace Lockbox.DynamoDb.Expressions.Parsing;

/// <summary>Projection grammar: comma-separated document paths, nothing else.</summary>
internal sealed partial class Parser
{
    public static List<PathNode> ParseProjection(string text)
    {
        var parser = new Parser(text, "ProjectionExpression", updateGrammar: false);
        var paths = new List<PathNode> { parser.ParsePath() };
        while (parser.TryComma())
        {
            paths.Add(parser.ParsePath());
        }

        parser.ExpectEnd();
        return paths;
    }
}
