// Hl7.Fhir.Model has a Task resource; in code, Task means the .NET one.
global using Task = System.Threading.Tasks.Task;
