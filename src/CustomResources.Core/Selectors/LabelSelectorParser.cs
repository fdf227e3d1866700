using CustomResources.Core.Errors;
using CustomResources.Core.Objects;

namespace CustomResources.Core.Selectors;

/// <summary>
/// Reads label selector text the way Kubernetes does: whitespace between tokens is ignored, an identifier runs
/// until whitespace or one of <c>= ! ( ) , &lt; &gt;</c>, and <c>in</c>/<c>notin</c> are operators only where an
/// operator is expected. Errors name the problem and its 1-based character position.
/// </summary>
internal sealed class LabelSelectorParser
{
    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _next;

    public LabelSelectorParser(string text)
    {
        _text = text;
        _tokens = Lex(text);
    }

    private enum TokenKind
    {
        Identifier,
        Equal,
        DoubleEqual,
        NotEqual,
        Bang,
        OpenParen,
        CloseParen,
        Comma,
        GreaterThan,
        LessThan,
        End,
    }

    public List<LabelRequirement> ParseAll()
    {
        var requirements = new List<LabelRequirement>();
        while (true)
        {
            var token = Peek();
            if (token.Kind == TokenKind.End)
            {
                return requirements;
            }

            requirements.Add(ParseRequirement());
            var after = Next();
            switch (after.Kind)
            {
                case TokenKind.End:
                    return requirements;
                case TokenKind.Comma:
                    var following = Peek();
                    if (following.Kind is not (TokenKind.Identifier or TokenKind.Bang))
                    {
                        throw Error(following, $"found {Describe(following)}, expected a requirement after ','");
                    }

                    break;
                default:
                    throw Error(after, $"found {Describe(after)}, expected ',' or end of input");
            }
        }
    }

    private LabelRequirement ParseRequirement()
    {
        var first = Next();
        if (first.Kind == TokenKind.Bang)
        {
            var key = Next();
            if (key.Kind != TokenKind.Identifier)
            {
                throw Error(key, $"found {Describe(key)}, expected a label key after '!'");
            }

            CheckKey(key);
            return new LabelRequirement(key.Text, LabelOperator.DoesNotExist, []);
        }

        if (first.Kind != TokenKind.Identifier)
        {
            throw Error(first, $"found {Describe(first)}, expected a label key or '!'");
        }

        CheckKey(first);
        var opToken = Peek();
        if (opToken.Kind is TokenKind.End or TokenKind.Comma)
        {
            return new LabelRequirement(first.Text, LabelOperator.Exists, []);
        }

        Next();
        switch (opToken.Kind)
        {
            case TokenKind.Equal or TokenKind.DoubleEqual:
                return new LabelRequirement(first.Text, LabelOperator.Equal, [ParseSingleValue()]);
            case TokenKind.NotEqual:
                return new LabelRequirement(first.Text, LabelOperator.NotEqual, [ParseSingleValue()]);
            case TokenKind.GreaterThan:
                return new LabelRequirement(first.Text, LabelOperator.GreaterThan, [ParseInteger(">")]);
            case TokenKind.LessThan:
                return new LabelRequirement(first.Text, LabelOperator.LessThan, [ParseInteger("<")]);
            case TokenKind.Identifier when opToken.Text == "in":
                return new LabelRequirement(first.Text, LabelOperator.In, ParseValueList("in"));
            case TokenKind.Identifier when opToken.Text == "notin":
                return new LabelRequirement(first.Text, LabelOperator.NotIn, ParseValueList("notin"));
            default:
                throw Error(opToken, $"found {Describe(opToken)}, expected an operator (=, ==, !=, in, notin, >, <), ',' or end of input after label key '{first.Text}'");
        }
    }

    private string ParseSingleValue()
    {
        var token = Peek();
        if (token.Kind is TokenKind.End or TokenKind.Comma)
        {
            return ""; // "key=" selects the empty value, as in Kubernetes.
        }

        if (token.Kind != TokenKind.Identifier)
        {
            throw Error(token, $"found {Describe(token)}, expected a label value");
        }

        Next();
        CheckValue(token);
        return token.Text;
    }

    private string ParseInteger(string op)
    {
        var token = Next();
        if (token.Kind != TokenKind.Identifier || !LabelRequirement.TryInteger(token.Text, out _))
        {
            throw Error(token, $"found {Describe(token)}, expected an integer after '{op}'");
        }

        return token.Text;
    }

    private List<string> ParseValueList(string op)
    {
        var open = Next();
        if (open.Kind != TokenKind.OpenParen)
        {
            throw Error(open, $"found {Describe(open)}, expected '(' after '{op}' (e.g. 'key {op} (a,b)')");
        }

        var values = new List<string>();
        var expectValue = true;
        var sawComma = false;
        while (true)
        {
            var token = Next();
            switch (token.Kind)
            {
                case TokenKind.Identifier when expectValue:
                    CheckValue(token);
                    values.Add(token.Text);
                    expectValue = false;
                    break;
                case TokenKind.Identifier:
                    throw Error(token, $"found {Describe(token)}, expected ',' or ')'");
                case TokenKind.Comma:
                    if (expectValue)
                    {
                        values.Add(""); // "(a,,b)": an empty label value, as in Kubernetes.
                    }

                    expectValue = true;
                    sawComma = true;
                    break;
                case TokenKind.CloseParen:
                    if (expectValue && sawComma)
                    {
                        values.Add("");
                    }

                    if (values.Count == 0)
                    {
                        throw Error(token, $"'{op}' needs at least one value between the parentheses");
                    }

                    return values;
                case TokenKind.End:
                    throw Error(token, $"found end of input, expected ')' to close the list opened at position {open.Position + 1}");
                default:
                    throw Error(token, $"found {Describe(token)}, expected {(expectValue ? "a label value, ',' or ')'" : "',' or ')'")}");
            }
        }
    }

    private void CheckKey(Token key)
    {
        var problem = NameRules.CheckQualifiedName("key", key.Text).FirstOrDefault();
        if (problem is not null)
        {
            throw Error(key, $"invalid label key '{key.Text}': {Detail(problem, key.Text)}");
        }
    }

    private void CheckValue(Token value)
    {
        var problem = NameRules.CheckLabelValue("value", value.Text).FirstOrDefault();
        if (problem is not null)
        {
            throw Error(value, $"invalid label value '{Shorten(value.Text)}': {Detail(problem, value.Text)}");
        }
    }

    /// <summary>The explanation part of a <see cref="FieldError.Invalid(string, string, string)"/> message.</summary>
    private static string Detail(FieldError error, string value)
    {
        var prefix = $"Invalid value: {FieldError.Render(System.Text.Json.Nodes.JsonValue.Create(value))}: ";
        return error.Message.StartsWith(prefix, StringComparison.Ordinal) ? error.Message[prefix.Length..] : error.Message;
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..77] + "..." : text;

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.End => "end of input",
        TokenKind.Identifier => $"'{Shorten(token.Text)}'",
        _ => $"'{token.Text}'",
    };

    private ApiException Error(Token at, string problem) =>
        ApiException.BadRequest($"unable to parse label selector \"{Shorten(_text)}\": at position {at.Position + 1}: {problem}");

    private Token Peek() => _tokens[_next];

    private Token Next()
    {
        var token = _tokens[_next];
        if (token.Kind != TokenKind.End)
        {
            _next++;
        }

        return token;
    }

    private static bool IsSymbol(char c) => c is '=' or '!' or '(' or ')' or ',' or '<' or '>';

    private static List<Token> Lex(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", text.Length));
                return tokens;
            }

            var c = text[i];
            var two = i + 1 < text.Length ? text.Substring(i, 2) : "";
            var (kind, length) = two switch
            {
                "==" => (TokenKind.DoubleEqual, 2),
                "!=" => (TokenKind.NotEqual, 2),
                _ => c switch
                {
                    '=' => (TokenKind.Equal, 1),
                    '!' => (TokenKind.Bang, 1),
                    '(' => (TokenKind.OpenParen, 1),
                    ')' => (TokenKind.CloseParen, 1),
                    ',' => (TokenKind.Comma, 1),
                    '>' => (TokenKind.GreaterThan, 1),
                    '<' => (TokenKind.LessThan, 1),
                    _ => (TokenKind.Identifier, 0),
                },
            };

            if (kind != TokenKind.Identifier)
            {
                tokens.Add(new Token(kind, text.Substring(i, length), i));
                i += length;
                continue;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && !IsSymbol(text[i]))
            {
                i++;
            }

            tokens.Add(new Token(TokenKind.Identifier, text[start..i], start));
        }
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Position);
}
