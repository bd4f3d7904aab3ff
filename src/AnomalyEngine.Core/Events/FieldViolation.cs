namespace AnomalyEngine.Core.Events;

/// <summary>One rule a request broke: the field path (e.g. <c>events[3].name</c>) and what is wrong.</summary>
public readonly record struct FieldViolation(string Field, string Description);
