using Lockbox.DynamoDb.Expressions.Parsing;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// Entry points that turn expression text into validated expression objects, throwing
/// DynamoDB's ValidationException (exact message) for anything DynamoDB rejects.
/// </summary>
public static class ExpressionParser
{
    /// <param name="parameterName">"ConditionExpression" or "FilterExpression", as it appears in error messages.</param>
    public static ConditionExpression ParseCondition(string text, ExpressionContext ctx, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var root = ConditionPipeline.Run(text, ctx, parameterName);
        return new ConditionExpression(root);
    }

    public static UpdateExpression ParseUpdate(string text, ExpressionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        return UpdateExpression.Parse(text, ctx);
    }

    public static ProjectionExpression ParseProjection(string text, ExpressionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        return ProjectionExpression.Parse(text, ctx);
    }

    public static KeyConditionExpression ParseKeyCondition(string text, ExpressionContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var root = ConditionPipeline.Run(text, ctx, KeyConditionExpression.ParameterName);
        return KeyConditionExpression.FromTree(root);
    }
}
