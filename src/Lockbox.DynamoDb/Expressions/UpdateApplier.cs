using Lockbox.Common;
using Lockbox.DynamoDb.Expressions.Ast;
using Lockbox.DynamoDb.Values;

namespace Lockbox.DynamoDb.Expressions;

/// <summary>
/// Carries out update actions on one item. SET values and REMOVE targets are worked out from
/// the item before anything changes, so every action sees the old item and removing several
/// elements of one list removes the elements the indexes named originally.
/// </summary>
internal sealed class UpdateApplier(Dictionary<string, AttributeValue> item, bool legacy)
{
    public void Apply(IReadOnlyList<UpdateAction> actions)
    {
        var setValues = new Dictionary<UpdateAction, AttributeValue>();
        foreach (var action in actions.Where(a => a.Kind == UpdateActionKind.Set))
        {
            setValues[action] = Evaluate(action.Value!).DeepClone();
        }

        var removals = actions.Where(a => a.Kind == UpdateActionKind.Remove)
            .Select(a => Locate(a.Target.ResolvedPath))
            .ToList();

        foreach (var action in actions.Where(a => a.Kind == UpdateActionKind.Set))
        {
            Set(Locate(action.Target.ResolvedPath), setValues[action]);
        }

        // Map keys first, then list elements from the highest index down so the lower indexes stay valid.
        foreach (var slot in removals.Where(s => !s.Element.IsIndex))
        {
            slot.Remove();
        }

        foreach (var slot in removals.Where(s => s.Element.IsIndex).OrderByDescending(s => s.Element.Index))
        {
            slot.Remove();
        }

        foreach (var action in actions.Where(a => a.Kind is UpdateActionKind.Add or UpdateActionKind.Delete))
        {
            var slot = Locate(action.Target.ResolvedPath);
            var value = ((ValueNode)action.Value!).ResolvedValue;
            if (action.Kind == UpdateActionKind.Add)
            {
                Add(slot, value);
            }
            else
            {
                Delete(slot, value);
            }
        }
    }

    /// <summary>The value of a SET operand; a path that does not exist is an error.</summary>
    private AttributeValue Evaluate(Node node)
    {
        switch (node)
        {
            case PathNode path:
                return path.ResolvedPath.Resolve(item) ?? throw ExpressionErrors.MissingOperand();
            case ValueNode value:
                return value.ResolvedValue;
            case FunctionNode { Name: FunctionNames.IfNotExists } ifNotExists:
                return ((PathNode)ifNotExists.Arguments[0]).ResolvedPath.Resolve(item) ?? Evaluate(ifNotExists.Arguments[1]);
            case FunctionNode listAppend:
                {
                    var first = Evaluate(listAppend.Arguments[0]);
                    var second = Evaluate(listAppend.Arguments[1]);
                    if (first.Type != AttributeType.L || second.Type != AttributeType.L)
                    {
                        throw ExpressionErrors.IncorrectOperandType();
                    }

                    return AttributeValue.FromList([.. first.AsList(), .. second.AsList()]);
                }

            case ArithmeticNode arithmetic:
                {
                    var left = Evaluate(arithmetic.Left);
                    var right = Evaluate(arithmetic.Right);
                    if (left.Type != AttributeType.N || right.Type != AttributeType.N)
                    {
                        throw ExpressionErrors.IncorrectOperandType();
                    }

                    return AttributeValue.FromNumber(arithmetic.IsPlus
                        ? left.AsNumber().Add(right.AsNumber())
                        : left.AsNumber().Subtract(right.AsNumber()));
                }

            default:
                throw new InvalidOperationException($"Not an update operand: {node.GetType().Name}");
        }
    }

    /// <summary>
    /// Where a path points: its parent container and last step. The parent must exist and be a
    /// map (for a key) or a list (for an index), or the path is invalid for update.
    /// </summary>
    private Slot Locate(DocumentPath path)
    {
        if (path.IsTopLevel)
        {
            return new Slot(item, null, path.Elements[0]);
        }

        AttributeValue? parent = item.TryGetValue(path.TopLevelName, out var top) ? top : null;
        for (var i = 1; i < path.Elements.Count - 1 && parent is not null; i++)
        {
            parent = DocumentPath.Step(parent, path.Elements[i]);
        }

        var last = path.Elements[^1];
        if (parent is null || parent.Type != (last.IsIndex ? AttributeType.L : AttributeType.M))
        {
            throw ExpressionErrors.InvalidUpdatePath();
        }

        return new Slot(null, parent, last);
    }

    private static void Set(Slot slot, AttributeValue value) => slot.Set(value);

    private void Add(Slot slot, AttributeValue value)
    {
        var existing = slot.Get();
        if (existing is null)
        {
            slot.Set(value.DeepClone());
            return;
        }

        if (existing.Type != value.Type)
        {
            throw TypeMismatch();
        }

        switch (value.Type)
        {
            case AttributeType.N:
                slot.Set(AttributeValue.FromNumber(existing.AsNumber().Add(value.AsNumber())));
                break;
            case AttributeType.SS:
                AddDistinct(existing.AsStringSet(), value.AsStringSet(), (a, b) => string.Equals(a, b, StringComparison.Ordinal));
                break;
            case AttributeType.NS:
                AddDistinct(existing.AsNumberSet(), value.AsNumberSet(), (a, b) => a.Equals(b));
                break;
            case AttributeType.BS:
                AddDistinct(existing.AsBinarySet(), value.AsBinarySet(), (a, b) => a.AsSpan().SequenceEqual(b));
                break;
            case AttributeType.L when legacy:
                existing.AsList().AddRange(value.AsList().Select(v => v.DeepClone()));
                break;
            default:
                throw TypeMismatch();
        }
    }

    private void Delete(Slot slot, AttributeValue value)
    {
        var existing = slot.Get();
        if (existing is null)
        {
            return;
        }

        if (existing.Type != value.Type)
        {
            throw TypeMismatch();
        }

        var remaining = value.Type switch
        {
            AttributeType.SS => RemoveAll(existing.AsStringSet(), value.AsStringSet(), (a, b) => string.Equals(a, b, StringComparison.Ordinal)),
            AttributeType.NS => RemoveAll(existing.AsNumberSet(), value.AsNumberSet(), (a, b) => a.Equals(b)),
            AttributeType.BS => RemoveAll(existing.AsBinarySet(), value.AsBinarySet(), (a, b) => a.AsSpan().SequenceEqual(b)),
            _ => throw TypeMismatch(),
        };

        // DynamoDB has no empty sets: taking out the last element removes the attribute.
        if (remaining == 0)
        {
            slot.Remove();
        }
    }

    private AwsServiceException TypeMismatch() =>
        legacy ? ExpressionErrors.Validation("Type mismatch for attribute to update") : ExpressionErrors.IncorrectOperandType();

    private static void AddDistinct<T>(List<T> target, List<T> values, Func<T, T, bool> equal)
    {
        foreach (var value in values)
        {
            if (!target.Any(existing => equal(existing, value)))
            {
                target.Add(value);
            }
        }
    }

    private static int RemoveAll<T>(List<T> target, List<T> values, Func<T, T, bool> equal)
    {
        target.RemoveAll(existing => values.Any(value => equal(existing, value)));
        return target.Count;
    }

    /// <summary>A place in the item: a top-level attribute, a map entry or a list element.</summary>
    private sealed record Slot(Dictionary<string, AttributeValue>? Item, AttributeValue? Parent, PathElement Element)
    {
        public AttributeValue? Get()
        {
            if (Item is not null)
            {
                return Item.TryGetValue(Element.Name!, out var value) ? value : null;
            }

            return DocumentPath.Step(Parent!, Element);
        }

        public void Set(AttributeValue value)
        {
            if (Item is not null)
            {
                Item[Element.Name!] = value;
            }
            else if (Element.IsIndex)
            {
                // An index past the end appends, as DynamoDB does.
                var list = Parent!.AsList();
                if (Element.Index < list.Count)
                {
                    list[Element.Index] = value;
                }
                else
                {
                    list.Add(value);
                }
            }
            else
            {
                Parent!.AsMap()[Element.Name!] = value;
            }
        }

        public void Remove()
        {
            if (Item is not null)
            {
                Item.Remove(Element.Name!);
            }
            else if (Element.IsIndex)
            {
                var list = Parent!.AsList();
                if (Element.Index < list.Count)
                {
                    list.RemoveAt(Element.Index);
                }
            }
            else
            {
                Parent!.AsMap().Remove(Element.Name!);
            }
        }
    }
}
