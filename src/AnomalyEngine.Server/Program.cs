using AnomalyEngine.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddAnomalyEngine();

var app = builder.Build();
app.MapAnomalyEngine();
app.Run();
