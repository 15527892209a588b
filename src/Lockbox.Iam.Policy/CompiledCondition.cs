using System.Net;

namespace Lockbox.Iam.Policy;

/// <summary>
/// One condition compiled for evaluation: the operator reduced to its positive form plus a
/// "negated" flag, and every policy value pre-parsed (patterns split, numbers, dates and CIDR
/// blocks parsed once). Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Semantics (AWS "Condition operators" and "Multivalued context keys" pages):
/// <list type="bullet">
/// <item>A missing key (or one with no values): IfExists → true; ForAllValues → true;
/// ForAnyValue → false; otherwise negated operators → true and positive operators → false.</item>
/// <item>Several policy values are ORed: a request value "matches" when it matches any of them.</item>
/// <item>No qualifier: positive operators need some request value to match; negated operators
/// need no request value to match. ForAnyValue: some request value passes the (possibly negated)
/// test. ForAllValues: every request value passes it.</item>
/// <item>Null: "true" holds when the key is missing, "false" when it is present.</item>
/// </list>
/// </remarks>
internal sealed class CompiledCondition
{
    private readonly ConditionOperator _positive;
    private readonly Value[] _values;

    public CompiledCondition(PolicyCondition source, bool variables)
    {
        Source = source;
        Key = source.Key;
        Qualifier = source.Qualifier;
        IfExists = source.IfExists;
        (_positive, Negated) = source.Operator switch
        {
            ConditionOperator.StringNotEquals => (ConditionOperator.StringEquals, true),
            ConditionOperator.StringNotEqualsIgnoreCase => (ConditionOperator.StringEqualsIgnoreCase, true),
            ConditionOperator.StringNotLike => (ConditionOperator.StringLike, true),
            ConditionOperator.NumericNotEquals => (ConditionOperator.NumericEquals, true),
            ConditionOperator.DateNotEquals => (ConditionOperator.DateEquals, true),
            ConditionOperator.NotIpAddress => (ConditionOperator.IpAddress, true),
            ConditionOperator.ArnNotEquals => (ConditionOperator.ArnEquals, true),
            ConditionOperator.ArnNotLike => (ConditionOperator.ArnLike, true),
            var op => (op, false),
        };

        _values = new Value[source.Values.Count];
        for (var i = 0; i < _values.Length; i++)
        {
            _values[i] = Value.Compile(_positive, source.Values[i], variables);
        }
    }

    /// <summary>The condition as written.</summary>
    public PolicyCondition Source { get; }

    /// <summary>The context key (looked up case-insensitively).</summary>
    public string Key { get; }

    public SetQualifier Qualifier { get; }

    public bool IfExists { get; }

    public bool Negated { get; }

    /// <summary>Context keys named in the values' policy variables.</summary>
    public IEnumerable<string> VariableKeys => _values.Where(v => v.Pattern is not null).SelectMany(v => v.Pattern!.VariableKeys);

    /// <summary>Evaluates the condition against the request.</summary>
    public bool Evaluate(RequestContext context)
    {
        var requestValues = context.GetValues(Key);
        var missing = requestValues is null || requestValues.Length == 0;
        if (_positive == ConditionOperator.Null)
        {
            foreach (var v in _values)
            {
                if (v.Text.Equals("true", StringComparison.OrdinalIgnoreCase) ? missing : v.Text.Equals("false", StringComparison.OrdinalIgnoreCase) && !missing)
                {
                    return true;
                }
            }

            return false;
        }

        if (missing)
        {
            return IfExists || Qualifier switch
            {
                SetQualifier.ForAllValues => true,
                SetQualifier.ForAnyValue => false,
                _ => Negated,
            };
        }

        switch (Qualifier)
        {
            case SetQualifier.ForAllValues:
                foreach (var requestValue in requestValues!)
                {
                    if (MatchesAny(requestValue, context) == Negated)
                    {
                        return false;
                    }
                }

                return true;
            case SetQualifier.ForAnyValue:
                foreach (var requestValue in requestValues!)
                {
                    if (MatchesAny(requestValue, context) != Negated)
                    {
                        return true;
                    }
                }

                return false;
            default:
                foreach (var requestValue in requestValues!)
                {
                    if (MatchesAny(requestValue, context))
                    {
                        return !Negated;
                    }
                }

                return Negated;
        }
    }

    /// <summary>Whether one request value matches any policy value under the positive operator.</summary>
    private bool MatchesAny(string requestValue, RequestContext context)
    {
        switch (_positive)
        {
            case ConditionOperator.StringEquals:
            case ConditionOperator.StringEqualsIgnoreCase:
            case ConditionOperator.StringLike:
                foreach (var v in _values)
                {
                    if (v.Pattern!.IsMatch(requestValue, context))
                    {
                        return true;
                    }
                }

                return false;
            case ConditionOperator.Bool:
                foreach (var v in _values)
                {
                    if (v.Pattern!.IsMatch(requestValue, context))
                    {
                        return true;
                    }
                }

                return false;
            case ConditionOperator.BinaryEquals:
                foreach (var v in _values)
                {
                    if (string.Equals(v.Text, requestValue, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }

                return false;
            case ConditionOperator.ArnEquals:
            case ConditionOperator.ArnLike:
                foreach (var v in _values)
                {
                    if (v.MatchesArn(requestValue, context))
                    {
                        return true;
                    }
                }

                return false;
            case >= ConditionOperator.NumericEquals and <= ConditionOperator.NumericGreaterThanEquals:
                if (!ConditionValues.TryParseNumber(requestValue, out var number))
                {
                    return false;
                }

                foreach (var v in _values)
                {
                    if (v.TryGetNumber(context, out var policyNumber) && Compare(_positive - ConditionOperator.NumericEquals, number.CompareTo(policyNumber)))
                    {
                        return true;
                    }
                }

                return false;
            case >= ConditionOperator.DateEquals and <= ConditionOperator.DateGreaterThanEquals:
                if (!ConditionValues.TryParseDate(requestValue, out var date))
                {
                    return false;
                }

                foreach (var v in _values)
                {
                    if (v.TryGetDate(context, out var policyDate) && Compare(_positive - ConditionOperator.DateEquals, date.CompareTo(policyDate)))
                    {
                        return true;
                    }
                }

                return false;
            case ConditionOperator.IpAddress:
                if (!IPAddress.TryParse(requestValue, out var address))
                {
                    return false;
                }

                foreach (var v in _values)
                {
                    if (v.TryGetBlock(context, out var block) && block.Contains(address))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// <paramref name="offset"/> is the operator's distance from its family's Equals:
    /// 0 Equals, 1 NotEquals (never reached: negated), 2 LessThan, 3 LessThanEquals,
    /// 4 GreaterThan, 5 GreaterThanEquals; <paramref name="comparison"/> is request vs policy.
    /// </summary>
    private static bool Compare(int offset, int comparison) => offset switch
    {
        0 => comparison == 0,
        2 => comparison < 0,
        3 => comparison <= 0,
        4 => comparison > 0,
        5 => comparison >= 0,
        _ => false,
    };

    /// <summary>One policy value, pre-parsed for its operator.</summary>
    private sealed class Value
    {
        public required string Text { get; init; }

        /// <summary>String-like operators (and ARN values that are not six components: only "*" matches).</summary>
        public PolicyPattern? Pattern { get; init; }

        /// <summary>ArnEquals/ArnLike: one glob per ARN component (arn, partition, service, region, account, resource).</summary>
        public PolicyPattern[]? ArnParts { get; init; }

        private decimal? Number { get; init; }

        private DateTimeOffset? Date { get; init; }

        private IpBlock? Block { get; init; }

        public static Value Compile(ConditionOperator op, string text, bool variables)
        {
            var hasVariables = variables && text.Contains("${", StringComparison.Ordinal);
            switch (op)
            {
                case ConditionOperator.StringEquals:
                    return new Value { Text = text, Pattern = PolicyPattern.Create(text, variables, wildcards: false, ignoreCase: false) };
                case ConditionOperator.StringEqualsIgnoreCase:
                    return new Value { Text = text, Pattern = PolicyPattern.Create(text, variables, wildcards: false, ignoreCase: true) };
                case ConditionOperator.StringLike:
                    return new Value { Text = text, Pattern = PolicyPattern.Create(text, variables, wildcards: true, ignoreCase: false) };
                case ConditionOperator.Bool:
                    return new Value { Text = text, Pattern = PolicyPattern.Create(text, variables, wildcards: false, ignoreCase: true) };
                case ConditionOperator.ArnEquals:
                case ConditionOperator.ArnLike:
                    var components = text.Split(':', 6);
                    return components.Length == 6
                        ? new Value { Text = text, ArnParts = [.. components.Select(c => PolicyPattern.Create(c, variables, wildcards: true, ignoreCase: false))] }
                        : new Value { Text = text, Pattern = PolicyPattern.Create(text, variables, wildcards: true, ignoreCase: false) };
                case >= ConditionOperator.NumericEquals and <= ConditionOperator.NumericGreaterThanEquals:
                    return new Value
                    {
                        Text = text,
                        Pattern = hasVariables ? PolicyPattern.Create(text, true, false, false) : null,
                        Number = !hasVariables && ConditionValues.TryParseNumber(text, out var n) ? n : null,
                    };
                case >= ConditionOperator.DateEquals and <= ConditionOperator.DateGreaterThanEquals:
                    return new Value
                    {
                        Text = text,
                        Pattern = hasVariables ? PolicyPattern.Create(text, true, false, false) : null,
                        Date = !hasVariables && ConditionValues.TryParseDate(text, out var d) ? d : null,
                    };
                case ConditionOperator.IpAddress:
                    return new Value
                    {
                        Text = text,
                        Pattern = hasVariables ? PolicyPattern.Create(text, true, false, false) : null,
                        Block = !hasVariables && IpBlock.TryParse(text, out var b) ? b : null,
                    };
                default:
                    return new Value { Text = text };
            }
        }

        public bool TryGetNumber(RequestContext context, out decimal number)
        {
            if (Pattern is null)
            {
                number = Number.GetValueOrDefault();
                return Number.HasValue;
            }

            number = default;
            return Pattern.Render(context) is { } text && ConditionValues.TryParseNumber(text, out number);
        }

        public bool TryGetDate(RequestContext context, out DateTimeOffset date)
        {
            if (Pattern is null)
            {
                date = Date.GetValueOrDefault();
                return Date.HasValue;
            }

            date = default;
            return Pattern.Render(context) is { } text && ConditionValues.TryParseDate(text, out date);
        }

        public bool TryGetBlock(RequestContext context, out IpBlock block)
        {
            if (Pattern is null)
            {
                block = Block.GetValueOrDefault();
                return Block.HasValue;
            }

            block = default;
            return Pattern.Render(context) is { } text && IpBlock.TryParse(text, out block);
        }

        /// <summary>Component-wise ARN match: each of the six colon-separated parts separately.</summary>
        public bool MatchesArn(string requestValue, RequestContext context)
        {
            if (ArnParts is null)
            {
                // A policy value that is not six components can only match as a bare "*".
                return Pattern!.IsMatchAll;
            }

            var rest = requestValue.AsSpan();
            for (var i = 0; i < 5; i++)
            {
                var colon = rest.IndexOf(':');
                if (colon < 0 || !ArnParts[i].IsMatch(rest[..colon], context))
                {
                    return false;
                }

                rest = rest[(colon + 1)..];
            }

            return ArnParts[5].IsMatch(rest, context);
        }
    }
}
