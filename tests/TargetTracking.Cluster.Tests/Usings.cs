global using TargetTracking.Conformance;
global using TargetTracking.Linq2Db;
global using Xunit;
global using Xunit.Abstractions;
