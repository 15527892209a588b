using System.Text.Json.Nodes;

namespace Lockbox.IntegrationTests.LowLevel.BadInput;

/// <summary>
/// The guarded tables' seed items and, per operation, the valid request bodies the mutations start
/// from. Every base body answers 200 against freshly seeded tables (the test checks that first),
/// so a mutation is one or a few steps away from a request the server accepts.
/// Placeholders: {G} = guarded table (pk S, sk N), {G2} = guarded table (id B, no sort key),
/// {T} = the operation's own scratch table (CreateTable, UpdateTable, DeleteTable).
/// </summary>
internal static class BadInputRequests
{
    public const string ItemP1 = """
        {"pk":{"S":"p1"},"sk":{"N":"1"},"num":{"N":"42"},"str":{"S":"hello"},"bin":{"B":"AQID"},"flag":{"BOOL":true},
         "nul":{"NULL":true},"ss":{"SS":["a","b"]},"ss2":{"SS":["x","y"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AQ==","Ag=="]},
         "lst":{"L":[{"N":"1"},{"S":"two"},{"L":[{"N":"3"}]}]},"m":{"M":{"a":{"S":"x"},"b":{"M":{"c":{"N":"1"}}}}},"cnt":{"N":"0"}}
        """;

    public const string ItemP1Sk2 = """
        {"pk":{"S":"p1"},"sk":{"N":"2"},"num":{"N":"7"},"str":{"S":"world"},"lst":{"L":[]},"m":{"M":{}}}
        """;

    public const string ItemP1Sk35 = """
        {"pk":{"S":"p1"},"sk":{"N":"3.5"},"str":{"S":"three and a half"},"ns":{"NS":["-1e-130","9.9999999999999999999999999999999999999E+125"]}}
        """;

    public const string ItemP2Neg = """
        {"pk":{"S":"p2"},"sk":{"N":"-10000000000"},"num":{"N":"-0.000001"},"str":{"S":"neg"}}
        """;

    public const string ItemP2Big = """
        {"pk":{"S":"p2"},"sk":{"N":"99999999999999999999999999999999999999"},"str":{"S":"38 digits"},"bs":{"BS":["//79"]}}
        """;

    public const string ItemUnicode = """
        {"pk":{"S":"\u00fc-\u00f1\u20ac\ud83d\ude00"},"sk":{"N":"0"},"str":{"S":"\u4e2d\u6587 \u202e rtl"},"m":{"M":{"\u00e9":{"S":"accent"}}}}
        """;

    public const string G2Item1 = """{"id":{"B":"AQID"},"v":{"S":"x"}}""";

    public const string G2Item2 = """{"id":{"B":"AA=="},"v":{"N":"1"}}""";

    public const string G2Item3 = """{"id":{"B":"//79"},"v":{"L":[]}}""";

    public static readonly string[] GuardedItems = [ItemP1, ItemP1Sk2, ItemP1Sk35, ItemP2Neg, ItemP2Big, ItemUnicode];

    public static readonly string[] Guarded2Items = [G2Item1, G2Item2, G2Item3];

    /// <summary>Operations that may change items in the guarded tables.</summary>
    public static readonly HashSet<string> ItemWrites = ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "ExecuteTransaction", "ExecuteStatement"];

    public static IReadOnlyList<string> Bases(string operation) => operation switch
    {
        "CreateTable" =>
        [
            """
            {"TableName":"{T}","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
             "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
             "BillingMode":"PAY_PER_REQUEST","Tags":[{"Key":"k","Value":"v"}],"TableClass":"STANDARD","DeletionProtectionEnabled":false}
            """,
            """
            {"TableName":"{T}","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"B"}],
             "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PROVISIONED",
             "ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5},"SSESpecification":{"Enabled":true}}
            """,
        ],
        "DescribeTable" => ["""{"TableName":"{G}"}""", """{"TableName":"{G2}"}"""],
        "ListTables" => ["""{"ExclusiveStartTableName":"{G}","Limit":5}""", """{"Limit":100}"""],
        "UpdateTable" =>
        [
            """
            {"TableName":"{T}","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":3,"WriteCapacityUnits":4},
             "TableClass":"STANDARD_INFREQUENT_ACCESS"}
            """,
            """{"TableName":"{T}","DeletionProtectionEnabled":false,"TableClass":"STANDARD","BillingMode":"PAY_PER_REQUEST"}""",
        ],
        "DeleteTable" => ["""{"TableName":"{T}"}"""],
        "PutItem" =>
        [
            """
            {"TableName":"{G}","Item":ITEM_P1,
             "ConditionExpression":"attribute_exists(pk) AND #n <> :neg AND size(lst) < :big",
             "ExpressionAttributeNames":{"#n":"num"},"ExpressionAttributeValues":{":neg":{"N":"-1"},":big":{"N":"100"}},
             "ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL","ReturnItemCollectionMetrics":"SIZE",
             "ReturnValuesOnConditionCheckFailure":"ALL_OLD"}
            """.Replace("ITEM_P1", ItemP1, StringComparison.Ordinal),
            """
            {"TableName":"{G}","Item":ITEM_P1SK2,
             "Expected":{"num":{"ComparisonOperator":"NE","AttributeValueList":[{"N":"-1"}]},"str":{"Exists":true,"Value":{"S":"world"}}},
             "ConditionalOperator":"AND","ReturnValues":"NONE"}
            """.Replace("ITEM_P1SK2", ItemP1Sk2, StringComparison.Ordinal),
            """
            {"TableName":"{G2}","Item":{"id":{"B":"AQID"},"v":{"S":"x"}},"ConditionExpression":"attribute_not_exists(nope)"}
            """,
        ],
        "GetItem" =>
        [
            """
            {"TableName":"{G}","Key":{"pk":{"S":"p1"},"sk":{"N":"1"}},"ProjectionExpression":"#n, lst[2][0], m.b.c, ss",
             "ExpressionAttributeNames":{"#n":"num"},"ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"}
            """,
            """{"TableName":"{G}","Key":{"pk":{"S":"p2"},"sk":{"N":"-10000000000"}},"AttributesToGet":["num","str"],"ConsistentRead":false}""",
            """{"TableName":"{G2}","Key":{"id":{"B":"AQID"}}}""",
        ],
        "UpdateItem" =>
        [
            """
            {"TableName":"{G}","Key":{"pk":{"S":"p1"},"sk":{"N":"1"}},
             "UpdateExpression":"SET #n = #n + :one, lst = list_append(lst, :l), m.a = if_not_exists(m.a, :s) REMOVE gone ADD cnt :one, ss :ss DELETE ss2 :ss2",
             "ConditionExpression":"attribute_exists(pk) AND size(lst) < :big AND (flag = :t OR attribute_type(str, :typ))",
             "ExpressionAttributeNames":{"#n":"num"},
             "ExpressionAttributeValues":{":one":{"N":"1"},":l":{"L":[{"S":"new"}]},":s":{"S":"v"},":ss":{"SS":["c"]},":ss2":{"SS":["x"]},
                                          ":big":{"N":"100"},":t":{"BOOL":true},":typ":{"S":"S"}},
             "ReturnValues":"UPDATED_NEW","ReturnConsumedCapacity":"INDEXES"}
            """,
            """
            {"TableName":"{G}","Key":{"pk":{"S":"p1"},"sk":{"N":"2"}},
             "AttributeUpdates":{"num":{"Action":"ADD","Value":{"N":"1"}},"str":{"Action":"PUT","Value":{"S":"z"}},"gone":{"Action":"DELETE"}},
             "Expected":{"num":{"Exists":true,"Value":{"N":"7"}}},"ReturnValues":"ALL_NEW"}
            """,
            """
            {"TableName":"{G2}","Key":{"id":{"B":"AA=="}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"N":"2"}},
             "ReturnValues":"ALL_OLD"}
            """,
        ],
        "DeleteItem" =>
        [
            """
            {"TableName":"{G}","Key":{"pk":{"S":"p2"},"sk":{"N":"-10000000000"}},
             "ConditionExpression":"attribute_exists(pk) AND NOT contains(str, :z)","ExpressionAttributeValues":{":z":{"S":"zzz"}},
             "ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL","ReturnItemCollectionMetrics":"SIZE"}
            """,
            """{"TableName":"{G}","Key":{"pk":{"S":"p1"},"sk":{"N":"3.5"}},"Expected":{"str":{"ComparisonOperator":"NOT_NULL"}}}""",
            """{"TableName":"{G2}","Key":{"id":{"B":"//79"}}}""",
        ],
        "Query" =>
        [
            """
            {"TableName":"{G}","KeyConditionExpression":"pk = :p AND sk BETWEEN :lo AND :hi",
             "FilterExpression":"attribute_exists(num) OR contains(ss, :s)","ProjectionExpression":"pk, sk, #n, m.b",
             "ExpressionAttributeNames":{"#n":"num"},
             "ExpressionAttributeValues":{":p":{"S":"p1"},":lo":{"N":"0"},":hi":{"N":"10"},":s":{"S":"a"}},
             "Limit":5,"ScanIndexForward":false,"ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"}
            """,
            """
            {"TableName":"{G}","KeyConditionExpression":"pk = :p AND sk > :lo",
             "ExpressionAttributeValues":{":p":{"S":"p1"},":lo":{"N":"1"}},
             "ExclusiveStartKey":{"pk":{"S":"p1"},"sk":{"N":"2"}},"Select":"COUNT"}
            """,
            """
            {"TableName":"{G}","KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"p2"}]},
             "sk":{"ComparisonOperator":"GE","AttributeValueList":[{"N":"-1e20"}]}},
             "QueryFilter":{"str":{"ComparisonOperator":"NOT_NULL"}},"AttributesToGet":["pk","sk","num"],"Select":"SPECIFIC_ATTRIBUTES"}
            """,
        ],
        "Scan" =>
        [
            """
            {"TableName":"{G}","FilterExpression":"begins_with(pk, :p) AND (num >= :z OR attribute_not_exists(num))",
             "ProjectionExpression":"pk, sk, lst[0]","ExpressionAttributeValues":{":p":{"S":"p"},":z":{"N":"0"}},
             "Segment":1,"TotalSegments":3,"Limit":10,"ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"}
            """,
            """{"TableName":"{G}","ExclusiveStartKey":{"pk":{"S":"p1"},"sk":{"N":"1"}},"Select":"ALL_ATTRIBUTES"}""",
            """
            {"TableName":"{G2}","ScanFilter":{"v":{"ComparisonOperator":"IN","AttributeValueList":[{"S":"x"},{"S":"y"}]}},
             "ConditionalOperator":"OR","AttributesToGet":["id","v"]}
            """,
        ],
        "BatchGetItem" =>
        [
            """
            {"RequestItems":{
               "{G}":{"Keys":[{"pk":{"S":"p1"},"sk":{"N":"1"}},{"pk":{"S":"p2"},"sk":{"N":"-10000000000"}},{"pk":{"S":"nope"},"sk":{"N":"1"}}],
                      "ProjectionExpression":"pk, sk, #n","ExpressionAttributeNames":{"#n":"num"},"ConsistentRead":true},
               "{G2}":{"Keys":[{"id":{"B":"AQID"}}],"AttributesToGet":["id","v"]}},
             "ReturnConsumedCapacity":"TOTAL"}
            """,
        ],
        "BatchWriteItem" =>
        [
            """
            {"RequestItems":{
               "{G}":[{"PutRequest":{"Item":ITEM_P1SK35}},{"DeleteRequest":{"Key":{"pk":{"S":"w"},"sk":{"N":"1"}}}},
                      {"DeleteRequest":{"Key":{"pk":{"S":"p2"},"sk":{"N":"99999999999999999999999999999999999999"}}}}],
               "{G2}":[{"PutRequest":{"Item":{"id":{"B":"AQID"},"v":{"S":"x"}}}}]},
             "ReturnConsumedCapacity":"TOTAL","ReturnItemCollectionMetrics":"SIZE"}
            """.Replace("ITEM_P1SK35", ItemP1Sk35, StringComparison.Ordinal),
        ],
        "TransactWriteItems" =>
        [
            """
            {"TransactItems":[
               {"Put":{"TableName":"{G}","Item":ITEM_P1SK35,"ConditionExpression":"attribute_exists(pk)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}},
               {"Update":{"TableName":"{G}","Key":{"pk":{"S":"p1"},"sk":{"N":"1"}},"UpdateExpression":"SET #n = #n + :one REMOVE gone",
                          "ConditionExpression":"size(lst) < :big","ExpressionAttributeNames":{"#n":"num"},
                          "ExpressionAttributeValues":{":one":{"N":"1"},":big":{"N":"100"}}}},
               {"Delete":{"TableName":"{G}","Key":{"pk":{"S":"w"},"sk":{"N":"1"}}}},
               {"ConditionCheck":{"TableName":"{G2}","Key":{"id":{"B":"AQID"}},"ConditionExpression":"v = :x","ExpressionAttributeValues":{":x":{"S":"x"}}}}],
             "ReturnConsumedCapacity":"TOTAL","ReturnItemCollectionMetrics":"SIZE"}
            """.Replace("ITEM_P1SK35", ItemP1Sk35, StringComparison.Ordinal),
        ],
        "TransactGetItems" =>
        [
            """
            {"TransactItems":[
               {"Get":{"TableName":"{G}","Key":{"pk":{"S":"p1"},"sk":{"N":"1"}},"ProjectionExpression":"pk, #n, lst[0]","ExpressionAttributeNames":{"#n":"num"}}},
               {"Get":{"TableName":"{G2}","Key":{"id":{"B":"AQID"}}}}],
             "ReturnConsumedCapacity":"TOTAL"}
            """,
        ],
        "TagResource" =>
        [
            """{"ResourceArn":"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{G}","Tags":[{"Key":"k","Value":"v"},{"Key":"team:owner","Value":"a b@c.d"}]}""",
        ],
        "UntagResource" =>
        [
            """{"ResourceArn":"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{G}","TagKeys":["k","never-set"]}""",
        ],
        "ListTagsOfResource" =>
        [
            """{"ResourceArn":"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{G2}"}""",
            """{"ResourceArn":"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{G}","NextToken":"aw=="}""",
        ],
        "DescribeEndpoints" or "DescribeLimits" => ["{}"],
        "ExecuteStatement" =>
        [
            """{"Statement":"SELECT pk, num, lst[1] FROM \"{G}\" WHERE pk = 'p1' AND sk >= 1","Limit":5,"ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"}""",
            """
            {"Statement":"UPDATE \"{G}\" SET num = num + ? REMOVE gone WHERE pk = ? AND sk = ?","Parameters":[{"N":"1"},{"S":"p1"},{"N":"1"}],
             "ReturnValuesOnConditionCheckFailure":"ALL_OLD"}
            """,
        ],
        "BatchExecuteStatement" =>
        [
            """
            {"Statements":[{"Statement":"SELECT * FROM \"{G}\" WHERE pk = ? AND sk = ?","Parameters":[{"S":"p1"},{"N":"1"}],"ConsistentRead":true},
                           {"Statement":"SELECT v FROM \"{G2}\" WHERE id = ?","Parameters":[{"B":"AQID"}]}],
             "ReturnConsumedCapacity":"TOTAL"}
            """,
        ],
        "DescribeTimeToLive" or "DescribeContinuousBackups" => ["""{"TableName":"{G}"}""", """{"TableName":"{G2}"}"""],
        "ListBackups" => ["""{"TableName":"{G}","Limit":10,"BackupType":"ALL"}""", "{}"],
        "ExecuteTransaction" =>
        [
            """
            {"TransactStatements":[
               {"Statement":"UPDATE \"{G}\" SET num = num + ? SET lst = list_append(lst, [1]) WHERE pk = ? AND sk = ? AND num > -1","Parameters":[{"N":"1"},{"S":"p1"},{"N":"1"}],
                "ReturnValuesOnConditionCheckFailure":"ALL_OLD"},
               {"Statement":"INSERT INTO \"{G}\" VALUE {'pk': 'p9', 'sk': 9, 'm': {'a': [1, 'x']}, 's': <<'a', 'b'>>}"},
               {"Statement":"EXISTS(SELECT * FROM \"{G}\" WHERE pk = 'p1' AND sk = 2 AND str = 'world')"},
               {"Statement":"DELETE FROM \"{G2}\" WHERE id = ? AND v = 'x'","Parameters":[{"B":"AQID"}]}],
             "ReturnConsumedCapacity":"INDEXES"}
            """,
            """
            {"TransactStatements":[
               {"Statement":"SELECT pk, num, lst[0], m.b.c FROM \"{G}\" WHERE pk = 'p1' AND sk = 1 AND flag = true"},
               {"Statement":"SELECT * FROM \"{G2}\" WHERE id = ?","Parameters":[{"B":"AQID"}]}],
             "ClientRequestToken":"read-token","ReturnConsumedCapacity":"TOTAL"}
            """,
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "No base requests for this operation."),
    };

    public static JsonObject Instantiate(string template, string guarded, string guarded2, string scratch) =>
        JsonNode.Parse(template
            .Replace("{G2}", guarded2, StringComparison.Ordinal)
            .Replace("{G}", guarded, StringComparison.Ordinal)
            .Replace("{T}", scratch, StringComparison.Ordinal))!.AsObject();
}
