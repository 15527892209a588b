using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Expressions.Parsing;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>The validation phases of the condition grammar, in DynamoDB's order.</summary>
internal static class ConditionPipeline
{
    public static Node Run(string text, ExpressionContext context, string parameter)
    {
        ExpressionChecks.CheckText(text, parameter);
        var root = Parser.ParseCondition(text, parameter, out var operatorCount);
        ExpressionChecks.CheckOperatorCount(operatorCount, parameter);
        ExpressionChecks.CheckFunctionNames(ExpressionChecks.PreOrder(root), FunctionNames.IsConditionFunction, parameter);
        ExpressionChecks.CheckFunctionPlacement(root, conditionExpected: true, parameter);
        ExpressionChecks.CheckReservedWords(ExpressionChecks.PreOrder(root), parameter);
        new ConditionChecks(context, parameter).Check(root);
        return root;
    }
}
